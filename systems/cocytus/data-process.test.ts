import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { createCodec } from "../codec/codec.ts";
import { Op } from "../protocol/backend.ts";
import { mutation, SimulatedGroup } from "./group-simulation.ts";
import { IN_FLIGHT_BLOCK_BYTES } from "./in-flight-bytes.ts";

const value = (text: string) => Buffer.from(text, "latin1");

async function group(k = 3, m = 2): Promise<SimulatedGroup> {
  return new SimulatedGroup({ k, m, codec: await createCodec("gf256-vandermonde", k, m) });
}

function readValue(g: SimulatedGroup, dataIndex: number, key: string): string | undefined {
  const dp = g.dataProcesses[dataIndex];
  const handle = dp.items.lookup(Buffer.from(key, "latin1"), Math.floor(Date.now() / 1000));
  return handle < 0 ? undefined : dp.items.value(handle).toString("latin1");
}

test("a data process answers a set only after every parity process acknowledged it", async () => {
  const g = await group();
  const reply = g.execute(0, mutation(Op.Set, "a", { value: value("one") }));
  assert.equal(g.dataProcesses[0].RT, 1);
  g.deliverToParity(0, 0);
  g.deliverToData(0, 0);
  await turn();
  assert.equal(reply.text, undefined, "one of two parity processes is not enough");
  assert.equal(g.dataProcesses[0].ST, 0);
  g.deliverToParity(0, 1);
  g.deliverToData(0, 1);
  await turn();
  assert.equal(reply.text, "STORED");
  assert.equal(g.dataProcesses[0].ST, 1);
});

test("a data process completes requests in timestamp order when acknowledgements arrive out of order", async () => {
  const g = await group();
  const dp = g.dataProcesses[1];
  const x = g.execute(1, mutation(Op.Set, "x", { value: value("1") }));
  const y = g.execute(1, mutation(Op.Set, "y", { value: value("2") }));
  // PP0 has both requests, PP1 only the first: only ts 1 may complete.
  g.deliverToParity(1, 0);
  g.deliverToParity(1, 1, 1);
  g.deliverToData(1, 0);
  g.deliverToData(1, 1);
  await turn();
  assert.deepEqual([x.text, y.text], ["STORED", undefined]);
  assert.equal(dp.ST, 1);
  assert.equal(dp.RT, 2);
  g.deliverToParity(1, 1);
  g.deliverToData(1, 1);
  await turn();
  assert.deepEqual([x.text, y.text], ["STORED", "STORED"]);
  assert.equal(dp.ST, 2);
});

test("a get reads committed state while a set of the same key is in flight", async () => {
  const g = await group();
  g.execute(0, mutation(Op.Set, "k", { value: value("old!") }));
  g.settle();
  g.execute(0, mutation(Op.Set, "k", { value: value("new!") }));
  assert.equal(readValue(g, 0, "k"), "old!", "the in-flight value is invisible");
  g.settle();
  assert.equal(readValue(g, 0, "k"), "new!");
});

test("writes of one key pipeline: each is decided against the ones still in flight", async () => {
  const g = await group();
  const dp = g.dataProcesses[2];
  g.execute(2, mutation(Op.Set, "r", { value: value("aaaa") }));
  g.settle();
  await turn();
  // Same size as the committed value: only the first may reuse its region in place.
  g.execute(2, mutation(Op.Set, "r", { value: value("bbbb") }));
  g.execute(2, mutation(Op.Set, "r", { value: value("cccc") }));
  assert.equal(dp.RT, 3);
  g.settle();
  await turn();
  assert.equal(readValue(g, 2, "r"), "cccc");
  assert.deepEqual(await g.inconsistentPages(), []);
  const first = g.execute(2, mutation(Op.Add, "once", { value: value("first") }));
  const second = g.execute(2, mutation(Op.Add, "once", { value: value("second") }));
  const append = g.execute(2, mutation(Op.Append, "once", { value: value("+more") }));
  const counter = g.execute(2, mutation(Op.Set, "n", { value: value("41") }));
  const incr = g.execute(2, mutation(Op.Incr, "n", { delta: 1n }));
  const overwrite = g.execute(2, mutation(Op.Set, "n", { value: value("a longer value than before") }));
  assert.equal(dp.RT, 8, "every write that changes something is in flight at once (the second add changes nothing)");
  await turn();
  assert.equal(second.text, "NOT_STORED", "the second add saw the first one in flight");
  assert.equal(readValue(g, 2, "once"), undefined, "reads still see committed state");
  g.settle();
  await turn();
  assert.deepEqual([first.text, append.text, counter.text, incr.text, overwrite.text], ["STORED", "STORED", "STORED", "42", "STORED"]);
  assert.equal(readValue(g, 2, "once"), "first+more");
  assert.equal(readValue(g, 2, "n"), "a longer value than before");
  assert.deepEqual(await g.inconsistentPages(), []);
  assert.deepEqual(g.replicaMismatches(), []);
});

test("cas succeeds with the unique that an in-flight write will give", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  g.execute(0, mutation(Op.Set, "c", { value: value("v1") }));
  g.settle();
  await turn();
  const unique = dp.items.cas(dp.items.lookup(Buffer.from("c"), 0));
  g.execute(0, mutation(Op.Set, "c", { value: value("v2") }));
  const stale = g.execute(0, mutation(Op.Cas, "c", { value: value("x"), cas: unique }));
  const fresh = g.execute(0, mutation(Op.Cas, "c", { value: value("v3"), cas: unique + 1 }));
  g.settle();
  await turn();
  assert.deepEqual([stale.text, fresh.text], ["EXISTS", "STORED"]);
  assert.equal(readValue(g, 0, "c"), "v3");
});

test("commands that change nothing are answered at once and send nothing", async () => {
  const g = await group();
  const replace = g.execute(0, mutation(Op.Replace, "missing", { value: value("v") }));
  const remove = g.execute(0, mutation(Op.Delete, "missing"));
  await turn();
  assert.deepEqual([replace.text, remove.text], ["NOT_STORED", "NOT_FOUND"]);
  assert.equal(g.dataProcesses[0].RT, 0);
  assert.equal(g.toParity[0][0].length, 0);
});

test("the commit for a completed request rides on the next update", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  g.execute(0, mutation(Op.Set, "a", { value: value("1") }));
  g.deliverToParity(0, 0);
  g.deliverToParity(0, 1);
  g.deliverToData(0, 0);
  g.deliverToData(0, 1);
  assert.equal(dp.ST, 1);
  g.execute(0, mutation(Op.Set, "b", { value: value("2") }));
  assert.equal(g.runDeferred(), 1);
  assert.equal(g.toParity[0][0].length, 1, "only the update goes out: it carries the commit");
  g.deliverToParity(0, 0);
  assert.equal(g.parityProcesses[0].SVT[0], 1);
  assert.equal(g.parityProcesses[0].RVT[0], 2);
});

test("a commit goes out alone when no update follows", async () => {
  const g = await group();
  g.execute(0, mutation(Op.Set, "a", { value: value("1") }));
  g.deliverToParity(0, 0);
  g.deliverToParity(0, 1);
  g.deliverToData(0, 0);
  g.deliverToData(0, 1);
  assert.equal(g.toParity[0][0].length, 0);
  g.runDeferred();
  assert.equal(g.toParity[0][0].length, 1);
  g.deliverToParity(0, 0);
  assert.equal(g.parityProcesses[0].SVT[0], 1);
});

test("a data process stops waiting for a parity process that went down", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  const reply = g.execute(0, mutation(Op.Set, "a", { value: value("1") }));
  g.deliverToParity(0, 0);
  g.deliverToData(0, 0);
  await turn();
  assert.equal(reply.text, undefined);
  assert.equal(dp.liveParityCount, 2);
  dp.onParityDown(1);
  assert.equal(dp.liveParityCount, 1, "stats report the lost parity process (cocytus_parity_live)");
  await turn();
  assert.equal(reply.text, "STORED");
  g.execute(0, mutation(Op.Set, "b", { value: value("2") }));
  assert.equal(g.toParity[0][1].length, 1, "the down parity process gets nothing new (only the first update is still queued)");
});

test("incr and decr go through the same path and rewrite a counter as memcached does", async () => {
  const g = await group();
  g.execute(0, mutation(Op.Set, "n", { value: value("10") }));
  const decr = g.execute(0, mutation(Op.Decr, "n", { delta: 1n }));
  const incr = g.execute(0, mutation(Op.Incr, "n", { delta: 18446744073709551615n }));
  for (let round = 0; round < 4; round++) {
    g.settle();
    await turn();
  }
  assert.deepEqual([decr.text, incr.text], ["9", "8"]);
  assert.equal(readValue(g, 0, "n"), "8 ");
  assert.deepEqual(g.replicaMismatches(), []);
});

test("flush_all waits for the requests before it and holds back the ones after it", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  const before = g.execute(0, mutation(Op.Set, "before", { value: value("1") }));
  const flush = g.execute(0, mutation(Op.FlushAll, ""));
  const after = g.execute(0, mutation(Op.Set, "after", { value: value("2") }));
  assert.equal(dp.RT, 1, "flush waits for the in-flight set");
  for (let round = 0; round < 4; round++) {
    g.settle();
    await turn();
  }
  assert.deepEqual([before.text, flush.text, after.text], ["STORED", "OK", "STORED"]);
  assert.equal(dp.RT, 3);
  assert.equal(readValue(g, 0, "before"), undefined);
  assert.equal(readValue(g, 0, "after"), "2");
  assert.deepEqual(g.replicaMismatches(), []);
});

test("a read that finds an expired item reports it missing and removes it through the parity processes", async () => {
  const g = await group();
  const past = Math.floor(Date.now() / 1000) - 10;
  g.execute(0, mutation(Op.Set, "old", { value: value("v"), exptime: past + 5, now: past }));
  g.settle();
  await turn();
  assert.equal(g.parityProcesses[0].replicas[0].index.count, 1);
  assert.equal(readValue(g, 0, "old"), undefined);
  assert.equal(g.dataProcesses[0].store.index.count, 1, "the read itself does not drop it behind the replicas' back");
  g.settle();
  await turn();
  assert.equal(g.dataProcesses[0].store.index.count, 0, "removed after the read's turn, as a replicated request");
  assert.equal(g.dataProcesses[0].RT, 2);
  assert.deepEqual(g.replicaMismatches(), []);
  assert.equal(g.parityProcesses[0].replicas[0].index.count, 0);
});

test("a data process keeps copies of a request's key and value: the caller's buffers may be overwritten once execute returns", async () => {
  const g = await group();
  const m = mutation(Op.Set, "lent", { value: value("bytes of a read") });
  const reply = g.execute(0, m);
  m.key.fill(0x23);
  m.value.fill(0x23);
  g.settle();
  await turn();
  assert.equal(reply.text, "STORED");
  assert.equal(readValue(g, 0, "lent"), "bytes of a read");
  assert.deepEqual(g.replicaMismatches(), []);
  assert.deepEqual(await g.inconsistentPages(), []);
});

test("a touch in flight keeps the value it leaves planned after the write that value came from completed and its bytes were reused", async () => {
  const g = await group(3, 2);
  // k's value fills most of an InFlightBytes block, the filler goes to the next, and so does the
  // touch (so k's block is emptied once k's set completes).
  const bigBytes = (IN_FLIGHT_BLOCK_BYTES * 25) / 32;
  const big = (fill: number) => Buffer.alloc(bigBytes, fill);
  g.execute(0, mutation(Op.Set, "k", { value: big(0x61) }));
  g.execute(0, mutation(Op.Set, "filler", { value: Buffer.alloc(bigBytes / 2, 0x66) }));
  g.execute(0, mutation(Op.Touch, "k", { exptime: 0 }));
  // Only k's set completes.
  for (const p of [0, 1]) {
    g.deliverToParity(0, p, 1);
    g.deliverToData(0, p);
  }
  await turn();
  assert.equal(g.dataProcesses[0].ST, 1);
  // The next large write takes the emptied block; then an append is decided against k's planned value.
  g.execute(0, mutation(Op.Set, "other", { value: big(0x62) }));
  const append = g.execute(0, mutation(Op.Append, "k", { value: value("!") }));
  g.settle();
  await turn();
  assert.equal(append.text, "STORED");
  assert.equal(readValue(g, 0, "k"), `${"a".repeat(bigBytes)}!`);
  assert.deepEqual(await g.inconsistentPages(), []);
});
