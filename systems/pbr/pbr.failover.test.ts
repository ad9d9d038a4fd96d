import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { MemcachedConnection, type Reply } from "../../workloads/src/binding/memcached-connection.ts";
import type { ProcessGroup } from "../../test/support/process-group.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { startPbrTestGroup } from "./test-group.ts";
import { parseView, type GroupView } from "./view.ts";

// End to end: a group of three real processes, a pipelining client, and SIGKILL. Every write the
// group acknowledged must be readable, byte for byte, from whoever is primary afterwards.

const SET = Buffer.from("set");

/** The value written under key number n (100 to 4000 bytes, seeded by n). */
function valueOf(n: number): Buffer {
  const random = seededRandom(n + 1);
  return Buffer.from(random.bytes(100 + random.int(3900)));
}

const keyOf = (n: number) => Buffer.from(`key:${n}`);

function request(issue: (handler: { onReply: (reply: Reply, data: Buffer | null, start: number, end: number, error: string | null) => void }) => void): Promise<{ reply: Reply; value: Buffer | null; error: string | null }> {
  return new Promise((resolve) => issue({ onReply: (reply, data, start, end, error) => resolve({ reply, value: reply === "hit" && data ? Buffer.from(data.subarray(start, end)) : null, error }) }));
}

/**
 * Writes keys from..to-1 with up to `window` requests in flight; returns the keys the server
 * acknowledged (STORED). Calls onAcked after each acknowledgement (e.g. to kill a process).
 * Bounded by the key count and by `timeLimitMs`.
 */
async function writeKeys(connection: MemcachedConnection, from: number, to: number, onAcked: (acked: number) => void = () => {}, window = 32, timeLimitMs = 30_000): Promise<Set<number>> {
  const acked = new Set<number>();
  const deadline = Date.now() + timeLimitMs;
  let next = from;
  let failed = false;
  const worker = async () => {
    while (next < to && !failed && Date.now() < deadline) {
      const n = next++;
      const value = valueOf(n);
      const key = keyOf(n);
      const { reply } = await request((h) => connection.store(SET, key, 0, key.length, value, 0, value.length, h));
      if (reply === "stored") {
        acked.add(n);
        onAcked(acked.size);
      } else {
        failed = true; // the primary is gone: stop writing
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return acked;
}

async function viewOf(group: ProcessGroup, index: number): Promise<GroupView | null> {
  const member = group.members[index];
  try {
    const { received } = await rawExchange(member.host, member.port, [{ send: "view\r\n", waitFor: "END\r\n" }], { pauseMs: 0, timeoutMs: 2000 });
    return parseView(received.toString("latin1"));
  } catch {
    return null;
  }
}

/** Polls the survivors' views until one names a live primary among them; returns its index. */
async function waitForNewPrimary(group: ProcessGroup, survivors: number[], timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const index of survivors) {
      const view = await viewOf(group, index);
      if (view && survivors.includes(view.primary)) return view.primary;
    }
    if (Date.now() > deadline) throw new Error(`no new primary among members ${survivors} within ${timeoutMs} ms\n${group.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Reads every key in `keys` from the member and checks it holds exactly what was written. */
async function checkReadable(connection: MemcachedConnection, keys: Iterable<number>, mustExist: boolean): Promise<{ checked: number; present: number }> {
  let checked = 0;
  let present = 0;
  const pending: Array<Promise<void>> = [];
  for (const n of keys) {
    const key = keyOf(n);
    pending.push(
      request((h) => connection.get(key, 0, key.length, h)).then(({ reply, value, error }) => {
        checked++;
        if (reply === "hit") {
          present++;
          assert.ok(value!.equals(valueOf(n)), `key ${n}: the value read differs from the value written`);
        } else if (mustExist || reply !== "miss") {
          assert.fail(`key ${n}: expected its value, found ${reply}${error ? ` (${error})` : ""}`);
        }
      }),
    );
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return { checked, present };
}

async function statOf(group: ProcessGroup, index: number, name: string): Promise<string | undefined> {
  const member = group.members[index];
  const { received } = await rawExchange(member.host, member.port, [{ send: "stats\r\n", waitFor: "END\r\n" }], { pauseMs: 0 });
  return new RegExp(`^STAT ${name} (\\S+)\r$`, "m").exec(received.toString("latin1"))?.[1];
}

function connect(t: TestContext, group: ProcessGroup, index: number): MemcachedConnection {
  const member = group.members[index];
  const connection = new MemcachedConnection(member.host, member.port, { timeoutMs: 10_000 });
  t.after(() => connection.close(0));
  return connection;
}

test("every write acknowledged before the primary is killed is readable at the new primary, and again after a second failover", async (t) => {
  const group = await startPbrTestGroup({ group: 1, memoryMb: 1024 });
  t.after(() => group.stop());
  let killedAt = 0;
  let killing: Promise<void> | null = null;
  const acked = await writeKeys(connect(t, group, 0), 0, 20_000, (count) => {
    if (count === 1500 && killing === null) {
      killedAt = performance.now();
      killing = group.kill(0);
    }
  });
  await killing;
  assert.ok(acked.size >= 1500, `expected at least 1500 acknowledged writes, found ${acked.size}`);
  const successor = await waitForNewPrimary(group, [1, 2]);
  const newPrimary = connect(t, group, successor);
  // Failover time: from the kill until the new primary answers a read with data.
  const probe = keyOf(0);
  for (;;) {
    const { reply } = await request((h) => newPrimary.get(probe, 0, probe.length, h));
    if (reply === "hit") break;
    assert.ok(performance.now() - killedAt < 10_000, `the new primary did not serve within 10 s (last reply ${reply})`);
  }
  const failoverMs = performance.now() - killedAt;
  const takeoverMs = await statOf(group, successor, "pbr_last_takeover_ms");
  const line = `pbr failover: member ${successor} served a read ${failoverMs.toFixed(1)} ms after SIGKILL of the primary (its own takeover: ${takeoverMs} ms from finding the primary down; ${acked.size} writes acknowledged before)`;
  t.diagnostic(line);
  console.log(line);

  const written = Math.max(...acked) + 64;
  const first = await checkReadable(newPrimary, acked, true);
  assert.equal(first.checked, acked.size);
  // Writes in flight at the kill may or may not have survived; any that did must be intact.
  await checkReadable(newPrimary, Array.from({ length: written }, (_, n) => n).filter((n) => !acked.has(n)), false);

  // The new primary replicates to the follower it caught up; after it dies too, the last member has everything.
  const more = await writeKeys(newPrimary, 100_000, 101_000);
  assert.equal(more.size, 1000, "every write at the new primary is acknowledged");
  const last = successor === 1 ? 2 : 1;
  await group.kill(successor);
  assert.equal(await waitForNewPrimary(group, [last]), last);
  const lastPrimary = connect(t, group, last);
  await checkReadable(lastPrimary, acked, true);
  await checkReadable(lastPrimary, more, true);
});

test("a backup killed in the middle of a load costs no write: the load goes on and the other backup has everything", async (t) => {
  const group = await startPbrTestGroup({ group: 2, memoryMb: 1024 });
  t.after(() => group.stop());
  let killing: Promise<void> | null = null;
  const acked = await writeKeys(connect(t, group, 0), 0, 4000, (count) => {
    if (count === 1000 && killing === null) killing = group.kill(2);
  });
  await killing;
  assert.equal(acked.size, 4000, "the primary acknowledged every write despite the lost backup");
  const view = await viewOf(group, 0);
  assert.deepEqual(view?.members.map((m) => m !== null), [true, true, false], "the primary counts member 2 out");
  await group.kill(0);
  assert.equal(await waitForNewPrimary(group, [1]), 1);
  const { present } = await checkReadable(connect(t, group, 1), acked, true);
  assert.equal(present, 4000);
});

test("a backup refuses reads and writes with SERVER_ERROR not primary, and answers view and stats", async (t) => {
  const group = await startPbrTestGroup({ group: 3 });
  t.after(() => group.stop());
  const backup = group.members[1];
  const { received } = await rawExchange(backup.host, backup.port, [{ send: "set k 0 0 1\r\nx\r\nget k\r\ngets k\r\ndelete k\r\nview\r\nstats\r\n", waitFor: "STAT pbr_role" }], { pauseMs: 50 });
  const text = received.toString("latin1");
  assert.match(text, /^SERVER_ERROR not primary\r\nSERVER_ERROR not primary\r\nSERVER_ERROR not primary\r\nSERVER_ERROR not primary\r\nVIEW 3 1 0 [^ ]+\r\nEND\r\n/);
  assert.match(text, /STAT pbr_role backup\r\n/);
  assert.match(text, /STAT pbr_epoch 1\r\n/);
  const view = parseView(text.slice(text.indexOf("VIEW"), text.indexOf("END\r\n") + 5));
  assert.deepEqual(view.members, group.members.map((m) => `${m.host}:${m.port}`), group.logs());
});
