/**
 * End to end: a real group (5 OS processes on loopback) driven by a real pipelined memcached
 * client; afterwards parity must encode the data and replicas must equal the indexes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { MemcachedConnection, type Reply } from "../../workloads/src/binding/memcached-connection.ts";
import { DEFAULT_CODEC, createCodec } from "../codec/codec.ts";
import { GroupInspector } from "./group-check.ts";
import { memberStats } from "./recovery/test-helpers.ts";
import { startTestGroup, type TestGroup } from "./test-group.ts";

interface Answer {
  reply: Reply;
  value: string | null;
  error: string | null;
}

function request(issue: (handler: { onReply: (reply: Reply, data: Buffer | null, start: number, end: number, error: string | null) => void }) => void): Promise<Answer> {
  return new Promise((resolve) => issue({ onReply: (reply, data, start, end, error) => resolve({ reply, value: data ? data.toString("latin1", start, end) : null, error }) }));
}

const STORE = {
  set: Buffer.from("set"),
  append: Buffer.from("append"),
};

describe("a real Cocytus group of 3 data and 2 parity processes", () => {
  let group: TestGroup;
  let connections: MemcachedConnection[];
  let inspector: GroupInspector;

  before(async () => {
    group = await startTestGroup({ k: 3, m: 2, memoryMb: 32 });
    connections = group.members.slice(0, 3).map((member) => new MemcachedConnection(member.host, member.port, { timeoutMs: 10_000 }));
    inspector = await GroupInspector.connect({ group: 0, k: 3, m: 2, members: group.members.map((m) => ({ host: m.host, peerPort: m.peerPort })) });
  });

  after(async () => {
    inspector?.close();
    await Promise.all((connections ?? []).map((c) => c.close(100)));
    await group?.stop();
  });

  test("after seeded sets, overwrites of other sizes, appends and deletes, parity encodes the data and replicas equal the indexes", async () => {
    const random = seededRandom(7331);
    const sizes = [1, 10, 100, 1000, 1024, 2000, 4096, 4100, 9000, 20000];
    const model = new Map<string, string>();
    const pending: Promise<Answer>[] = [];
    for (let op = 0; op < 1500; op++) {
      const d = random.int(3);
      const key = Buffer.from(`k${d}-${random.int(120)}`);
      const name = key.toString();
      const roll = random.next();
      const connection = connections[d];
      if (roll < 0.7) {
        const value = Buffer.alloc(sizes[random.int(sizes.length)], String.fromCharCode(97 + random.int(26)));
        model.set(name, value.toString("latin1"));
        pending.push(request((h) => connection.store(STORE.set, key, 0, key.length, value, 0, value.length, h)));
      } else if (roll < 0.8) {
        const value = Buffer.from(`+${op}`);
        if (model.has(name)) model.set(name, model.get(name) + value.toString("latin1"));
        pending.push(request((h) => connection.store(STORE.append, key, 0, key.length, value, 0, value.length, h)));
      } else {
        model.delete(name);
        pending.push(request((h) => connection.delete(key, 0, key.length, h)));
      }
      // Keep a window of requests in flight, so that requests overlap at every protocol step.
      if (pending.length >= 64) await Promise.all(pending.splice(0, 32));
    }
    const answers = await Promise.all(pending);
    assert.deepEqual(answers.filter((a) => a.reply === "error"), []);
    const states = await inspector.waitQuiet();
    assert.ok(states.slice(0, 3).every((s) => (s.ST ?? 0) > 100), `every data process handled writes: ${JSON.stringify(states)}`);
    const result = await inspector.check(await createCodec(DEFAULT_CODEC, 3, 2));
    assert.ok(result.pages > 10, `the check compared ${result.pages} pages`);
    assert.deepEqual(result.badReplicas, []);
    assert.deepEqual(result.badPages, []);
    for (const [name, expected] of model) {
      const d = Number(name[1]);
      const key = Buffer.from(name);
      const answer = await request((h) => connections[d].get(key, 0, key.length, h));
      assert.equal(answer.value, expected, `value of ${name}`);
    }
  });

  test("every member's stats split its memory into the store's parts, its request buffers and the runtime", async () => {
    const stored = await Promise.all(
      connections.map((connection, d) => {
        const key = Buffer.from(`k${d}-stats`);
        const value = Buffer.alloc(3000, 0x73);
        return request((h) => connection.store(STORE.set, key, 0, key.length, value, 0, value.length, h));
      }),
    );
    assert.deepEqual(stored.map((a) => a.reply), ["stored", "stored", "stored"]);
    await inspector.waitQuiet();
    const all = await Promise.all(group.members.map((member) => memberStats(member.host, member.port)));
    const field = (stats: Record<string, string>, name: string) => {
      assert.ok(name in stats, `stats has ${name}`);
      return Number(stats[name]);
    };
    for (const [index, stats] of all.entries()) {
      const role = index < 3 ? "data" : "parity";
      assert.equal(stats.cocytus_role, role);
      const accounted = ["data_area_bytes", "parity_bytes", "metadata_bytes", "metadata_replica_bytes", "key_bytes"].reduce((sum, name) => sum + field(stats, name), 0);
      assert.equal(field(stats, "runtime_bytes"), field(stats, "rss") - accounted, `member ${index}: runtime is RSS beyond the accounted parts`);
      assert.ok(field(stats, "request_buffer_bytes") > 0, `member ${index} reports its request buffers`);
      if (role === "data") {
        assert.ok(field(stats, "data_area_bytes") > 0 && field(stats, "metadata_bytes") > 0, `data process ${index} holds values and their index`);
        assert.equal(field(stats, "parity_bytes") + field(stats, "metadata_replica_bytes"), 0);
      } else {
        assert.ok(field(stats, "parity_bytes") > 0 && field(stats, "metadata_replica_bytes") > 0, `parity process ${index} holds parity and metadata replicas`);
        assert.equal(field(stats, "data_area_bytes") + field(stats, "metadata_bytes"), 0);
      }
    }
  });

  test("a parity process answers a client's get with an error naming its role, not with wrong data", async () => {
    const connection = new MemcachedConnection(group.members[3].host, group.members[3].port, { timeoutMs: 5000 });
    try {
      const key = Buffer.from("k0-1");
      const answer = await request((h) => connection.get(key, 0, key.length, h));
      assert.equal(answer.reply, "error");
      assert.match(answer.error ?? "", /parity process/);
    } finally {
      await connection.close(100);
    }
  });
});
