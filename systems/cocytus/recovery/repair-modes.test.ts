/**
 * On real groups: online repair answers a request as soon as its own pages are repaired (long
 * before the whole area is), the blocked variant only once the whole area is; and a data process
 * that stops answering (SIGSTOP) counts as failed after the failure timeout and is recovered.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { MemcachedConnection, type Reply } from "../../../workloads/src/binding/memcached-connection.ts";
import { startTestGroup, type TestGroup } from "../test-group.ts";
import { checkedValue, parseCheckedValue } from "./checked-client.ts";
import { keysOfMember, memberStats, waitFor } from "./test-helpers.ts";
import { askCocytusView } from "./view.ts";

const K = 3;
const LEADER = 3;
const VALUE_BYTES = 4000;
const SET = Buffer.from("set");

function request(connection: MemcachedConnection, issue: (handler: { onReply: (reply: Reply, data: Buffer | null, start: number, end: number) => void }) => void): Promise<{ reply: Reply; value: Buffer | null }> {
  return new Promise((resolve) => issue({ onReply: (reply, data, start, end) => resolve({ reply, value: data ? Buffer.from(data.subarray(start, end)) : null }) }));
}

/** Loads `keys` into their data process, each with version 1. */
async function load(group: TestGroup, member: number, keys: string[]): Promise<void> {
  const connection = new MemcachedConnection(group.members[member].host, group.members[member].port, { timeoutMs: 10_000 });
  try {
    const pending: Promise<{ reply: Reply }>[] = [];
    for (const key of keys) {
      const keyBytes = Buffer.from(key);
      const value = checkedValue(key, 1, VALUE_BYTES);
      pending.push(request(connection, (h) => connection.store(SET, keyBytes, 0, keyBytes.length, value, 0, value.length, h)));
      if (pending.length >= 64) for (const answer of await Promise.all(pending.splice(0))) assert.equal(answer.reply, "stored");
    }
    for (const answer of await Promise.all(pending)) assert.equal(answer.reply, "stored");
  } finally {
    await connection.close(100);
  }
}

/** Waits until the leader serves data index 1. */
async function leaderServesDataOne(group: TestGroup): Promise<void> {
  const leader = group.members[LEADER];
  await waitFor("the leader to serve data index 1", async () => ((await askCocytusView(leader.host, leader.port, 500)).owners[1] === LEADER ? true : undefined), 20_000);
}

for (const mode of ["online", "blocked"] as const) {
  describe(`${mode} recovery`, () => {
    let group: TestGroup | undefined;
    after(() => group?.stop());

    test(
      mode === "online"
        ? "a read of the failed process's last-written key is answered long before the whole area is repaired"
        : "a read of the failed process's key waits until the whole area is repaired",
      async (t) => {
        group = await startTestGroup({ k: K, m: 2, memoryMb: 96, env: { COCYTUS_RECOVERY: mode, COCYTUS_REPAIR_BATCH_PAGES: "2" } });
        const keys = keysOfMember("page-", 1, K, 6000);
        await load(group, 1, keys);
        // The last key sits at the highest offset: the background repair reaches its page last.
        const probe = keys[keys.length - 1];
        await group.kill(1);
        await leaderServesDataOne(group);
        const leader = group.members[LEADER];
        const connection = new MemcachedConnection(leader.host, leader.port, { timeoutMs: 30_000 });
        try {
          const asked = Date.now();
          const probeBytes = Buffer.from(probe);
          const answer = await request(connection, (h) => connection.get(probeBytes, 0, probeBytes.length, h));
          const answeredAt = Date.now();
          assert.equal(answer.reply, "hit");
          assert.deepEqual(parseCheckedValue(probe, answer.value!), { version: 1 });
          const stats = await waitFor("the repair to end", async () => {
            const fields = await memberStats(leader.host, leader.port);
            return fields.recovery_state === "repaired" ? fields : undefined;
          }, 60_000);
          const end = Number(stats.recovery_end);
          t.diagnostic(`read asked ${asked}, answered after ${answeredAt - asked} ms; repair ended ${end - asked} ms after the read was asked; ${stats.pages_repaired} pages, ${stats.requests_waited_on_repair} requests waited`);
          assert.ok(Number(stats.pages_repaired) > 1000, `a large area was repaired: ${stats.pages_repaired} pages`);
          assert.ok(Number(stats.requests_waited_on_repair) >= 1);
          if (mode === "online") assert.ok(answeredAt < end, `answered at ${answeredAt}, before the repair ended at ${end}`);
          else assert.ok(answeredAt >= end, `answered at ${answeredAt}, not before the repair ended at ${end}`);
        } finally {
          await connection.close(100);
        }
      },
    );
  });
}

describe("failure detection by timeout", () => {
  let group: TestGroup | undefined;
  after(() => group?.stop());

  test("a data process that stops answering (SIGSTOP) counts as failed after the failure timeout, and its keys are served again", async (t) => {
    group = await startTestGroup({ k: K, m: 2, memoryMb: 32, env: { COCYTUS_FAILURE_TIMEOUT_MS: "1000" } });
    const keys = keysOfMember("stop-", 1, K, 200);
    await load(group, 1, keys);
    const stoppedAt = Date.now();
    group.members[1].child.kill("SIGSTOP");
    await leaderServesDataOne(group);
    const detectedAfter = Date.now() - stoppedAt;
    t.diagnostic(`the leader served data index 1 ${detectedAfter} ms after SIGSTOP`);
    assert.ok(detectedAfter >= 1000, `not before the 1000 ms timeout (${detectedAfter} ms)`);
    assert.ok(detectedAfter < 6000, `soon after the timeout (${detectedAfter} ms)`);
    const leader = group.members[LEADER];
    const connection = new MemcachedConnection(leader.host, leader.port, { timeoutMs: 10_000 });
    try {
      for (const key of keys.slice(0, 20)) {
        const keyBytes = Buffer.from(key);
        const answer = await request(connection, (h) => connection.get(keyBytes, 0, keyBytes.length, h));
        assert.deepEqual(parseCheckedValue(key, answer.value ?? Buffer.alloc(0)), { version: 1 }, key);
      }
    } finally {
      await connection.close(100);
    }
  });
});
