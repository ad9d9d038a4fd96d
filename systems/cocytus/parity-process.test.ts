import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { CODEC_NAMES, createCodec } from "../codec/codec.ts";
import { Op } from "../protocol/backend.ts";
import { mutation, SimulatedGroup } from "./group-simulation.ts";
import { encodeUpdate } from "./messages.ts";
import { ChangeKind } from "./change.ts";
import { describeMetadata } from "./metadata-dump.ts";

const key = (text: string) => Buffer.from(text, "latin1");

test("a parity process buffers updates, sets RVT, and applies them only up to the committed timestamp", async () => {
  const g = new SimulatedGroup({ k: 3, m: 2, codec: await createCodec("gf256-vandermonde", 3, 2) });
  const dp = g.dataProcesses[1];
  const pp = g.parityProcesses[0];
  for (const name of ["a", "b", "c"]) dp.execute(mutation(Op.Set, name, { value: Buffer.alloc(100, name) }));
  g.deliverToParity(1, 0);
  assert.equal(pp.RVT[1], 3);
  assert.equal(pp.SVT[1], 0);
  assert.equal(pp.bufferedCount(1), 3);
  assert.equal(pp.replicas[1].index.count, 0, "nothing applied before a commit");
  pp.onCommit(1, 2);
  assert.equal(pp.SVT[1], 2);
  assert.equal(pp.bufferedCount(1), 1);
  assert.deepEqual(describeMetadata(pp.replicas[1]).items.map((item) => item.key), ["a", "b"], "a and b are in the replica, c is still buffered");
  assert.equal(pp.RVT[0], 0, "other data processes' vectors are untouched");
});

test("writes of one key in flight together reach the replica at the record the earlier ones leave", async () => {
  const g = new SimulatedGroup({ k: 3, m: 2, codec: await createCodec("gf256-vandermonde", 3, 2) });
  const dp = g.dataProcesses[0];
  dp.execute(mutation(Op.Set, "old", { value: Buffer.alloc(10, 1) }));
  g.settle();
  // None of these completes before the next is sent: each names the record the one before leaves.
  dp.execute(mutation(Op.Set, "new", { value: Buffer.alloc(10, 2) }));
  dp.execute(mutation(Op.Set, "new", { value: Buffer.alloc(300, 3) }));
  dp.execute(mutation(Op.Delete, "new"));
  dp.execute(mutation(Op.Set, "new", { value: Buffer.alloc(20, 4) }));
  dp.execute(mutation(Op.Touch, "new", { exptime: Math.floor(Date.now() / 1000) + 1000 }));
  dp.execute(mutation(Op.Delete, "old"));
  dp.execute(mutation(Op.Set, "old", { value: Buffer.alloc(30, 5), flags: 9 }));
  assert.equal(dp.inFlightCount, 7);
  g.settle();
  assert.equal(dp.inFlightCount, 0);
  assert.deepEqual(g.replicaMismatches(), []);
  assert.deepEqual(describeMetadata(g.parityProcesses[1].replicas[0]).items.map((item) => [item.key, item.length, item.flags, item.exptime > 0]), [["new", 20, 0, true], ["old", 30, 9, false]]);
});

test("a replica refuses an update that names a record of another key, rather than change it", async () => {
  const g = new SimulatedGroup({ k: 3, m: 2, codec: await createCodec("gf256-vandermonde", 3, 2) });
  for (const name of ["a", "b"]) g.dataProcesses[0].execute(mutation(Op.Set, name, { value: Buffer.alloc(10, name) }));
  g.settle();
  const pp = g.parityProcesses[0];
  const recordOfB = g.dataProcesses[0].store.index.find(key("b"));
  const removeA = { kind: ChangeKind.Remove, key: key("a"), offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 };
  pp.onUpdate(0, encodeUpdate(3, 2, removeA, new Uint8Array(0), recordOfB));
  assert.throws(() => pp.onCommit(0, 3), /an update of key "a" names record \d+, which holds key "b"/);
  assert.deepEqual(describeMetadata(pp.replicas[0]).items.map((item) => item.key), ["a", "b"]);
});

test("a parity process refuses an update whose timestamp skips one", async () => {
  const g = new SimulatedGroup({ k: 3, m: 2, codec: await createCodec("gf256-vandermonde", 3, 2) });
  const change = { kind: ChangeKind.Remove, key: key("k"), offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 };
  const pp = g.parityProcesses[1];
  pp.onUpdate(0, encodeUpdate(1, 0, change, new Uint8Array(0)));
  assert.throws(() => pp.onUpdate(0, encodeUpdate(3, 0, change, new Uint8Array(0))), /expected request ts 2 from data process 0, found 3/);
});

test("a parity process refuses a malformed update with a message naming the field", async () => {
  const g = new SimulatedGroup({ k: 3, m: 2, codec: await createCodec("gf256-vandermonde", 3, 2) });
  assert.throws(() => g.parityProcesses[0].onUpdate(0, Buffer.alloc(5)), /expected request ts 1 from data process 0, found a payload too short for one/);
  const truncated = encodeUpdate(1, 0, { kind: ChangeKind.Put, key: key("k"), offset: 0, length: 4, flags: 0, exptime: 0, cas: 1 }, Buffer.from("abcd")).subarray(0, 30);
  assert.throws(() => g.parityProcesses[0].onUpdate(0, truncated), /cocytus update: expected \d+ more bytes at offset \d+, found \d+/);
});

for (const codecName of CODEC_NAMES) {
  describe(`with the ${codecName} codec`, () => {
    test("after a seeded run of sets, overwrites of other sizes and deletes, parity encodes the data and replicas equal the indexes", async () => {
      const k = 3;
      const m = 2;
      const g = new SimulatedGroup({ k, m, codec: await createCodec(codecName, k, m) });
      const random = seededRandom(20240501);
      const sizes = [1, 7, 100, 1000, 1024, 3000, 4096, 5000, 9000];
      for (let op = 0; op < 600; op++) {
        const dp = g.dataProcesses[random.int(k)];
        const name = `key${random.int(60)}`;
        const roll = random.next();
        if (roll < 0.75) dp.execute(mutation(Op.Set, name, { value: Buffer.from(random.bytes(sizes[random.int(sizes.length)])), flags: random.int(100) }));
        else if (roll < 0.85) dp.execute(mutation(Op.Append, name, { value: Buffer.from(random.bytes(1 + random.int(50))) }));
        else dp.execute(mutation(Op.Delete, name));
        // Deliver part of the traffic now and then, so requests overlap at every stage.
        if (random.next() < 0.3) {
          const i = random.int(k);
          const j = random.int(m);
          g.deliverToParity(i, j, random.int(4));
          g.deliverToData(i, j);
          if (random.next() < 0.5) g.runDeferred();
        }
      }
      // Commands queued behind a busy key start when a reply's promise settles: settle in turns.
      for (let round = 0; round < 50 && g.dataProcesses.some((dp) => dp.inFlightCount > 0 || dp.RT === 0); round++) {
        g.settle();
        await new Promise((resolve) => setImmediate(resolve));
      }
      g.settle();
      await Promise.all(g.parityProcesses.map((pp) => pp.settled()));
      for (const dp of g.dataProcesses) assert.equal(dp.ST, dp.RT, "every request completed");
      for (const pp of g.parityProcesses) for (let i = 0; i < k; i++) assert.equal(pp.SVT[i], g.dataProcesses[i].ST);
      assert.deepEqual(await g.inconsistentPages(), []);
      assert.deepEqual(g.replicaMismatches(), []);
      assert.ok(g.dataProcesses.every((dp) => dp.store.index.count > 0), "every data process holds items");
    });
  });
}

test("the consistency check notices a parity page that misses an update", async () => {
  const g = new SimulatedGroup({ k: 3, m: 2, codec: await createCodec("gf256-vandermonde", 3, 2) });
  g.dataProcesses[0].execute(mutation(Op.Set, "a", { value: Buffer.alloc(64, 1) }));
  g.settle();
  assert.deepEqual(await g.inconsistentPages(), []);
  g.parityProcesses[1].parityArea.xor(8, Buffer.from([1]));
  assert.deepEqual(await g.inconsistentPages(), ["page 0 parity 1"]);
  g.parityProcesses[0].replicas[0].clear();
  assert.deepEqual(g.replicaMismatches(), ["replica of data 0 at parity 0"]);
});
