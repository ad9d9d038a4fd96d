import assert from "node:assert/strict";
import { test } from "node:test";
import { createCodec } from "../codec/codec.ts";
import { SimulatedGroup } from "./group-simulation.ts";
import type { MutationReply } from "./mutation.ts";

const key = (text: string) => Buffer.from(text, "latin1");
const value = (text: string) => Buffer.from(text, "latin1");

async function group(k = 3, m = 2): Promise<SimulatedGroup> {
  return new SimulatedGroup({ k, m, codec: await createCodec("gf256-vandermonde", k, m) });
}

function readValue(g: SimulatedGroup, dataIndex: number, text: string): string | undefined {
  const dp = g.dataProcesses[dataIndex];
  const handle = dp.lookup(key(text));
  return handle < 0 ? undefined : dp.store.value(handle).toString("latin1");
}

test("a data process answers a set only after every parity process acknowledged it", async () => {
  const g = await group();
  const replies: MutationReply[] = [];
  g.dataProcesses[0].submit({ op: "set", key: key("a"), value: value("one") }, (r) => replies.push(r));
  assert.equal(g.dataProcesses[0].RT, 1);
  assert.equal(replies.length, 0, "no reply before any acknowledgement");
  g.deliverToParity(0, 0);
  g.deliverToData(0, 0);
  assert.equal(replies.length, 0, "one of two parity processes is not enough");
  assert.equal(g.dataProcesses[0].ST, 0);
  g.deliverToParity(0, 1);
  g.deliverToData(0, 1);
  assert.deepEqual(replies, [{ status: "STORED" }]);
  assert.equal(g.dataProcesses[0].ST, 1);
});

test("a data process completes requests in timestamp order when acknowledgements arrive out of order", async () => {
  const g = await group();
  const dp = g.dataProcesses[1];
  const order: string[] = [];
  dp.submit({ op: "set", key: key("x"), value: value("1") }, () => order.push("x"));
  dp.submit({ op: "set", key: key("y"), value: value("2") }, () => order.push("y"));
  // PP0 has both requests, PP1 only the first: only ts 1 may complete.
  g.deliverToParity(1, 0);
  g.deliverToParity(1, 1, 1);
  g.deliverToData(1, 0);
  g.deliverToData(1, 1);
  assert.deepEqual(order, ["x"]);
  assert.equal(dp.ST, 1);
  assert.equal(dp.RT, 2);
  g.deliverToParity(1, 1);
  g.deliverToData(1, 1);
  assert.deepEqual(order, ["x", "y"]);
  assert.equal(dp.ST, 2);
});

test("a get reads committed state while a set of the same key is in flight", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  dp.submit({ op: "set", key: key("k"), value: value("old!") }, () => {});
  g.settle();
  dp.submit({ op: "set", key: key("k"), value: value("new!") }, () => {});
  assert.equal(readValue(g, 0, "k"), "old!", "the in-flight value is invisible");
  g.settle();
  assert.equal(readValue(g, 0, "k"), "new!");
});

test("commands for one key wait for the one in flight, so add sees the earlier add", async () => {
  const g = await group();
  const dp = g.dataProcesses[2];
  const replies: string[] = [];
  dp.submit({ op: "add", key: key("once"), value: value("first") }, (r) => replies.push(r.status));
  dp.submit({ op: "add", key: key("once"), value: value("second") }, (r) => replies.push(r.status));
  assert.equal(dp.RT, 1, "the second add is not decided while the first is in flight");
  g.settle();
  assert.deepEqual(replies, ["STORED", "NOT_STORED"]);
  assert.equal(readValue(g, 2, "once"), "first");
});

test("commands that change nothing are answered at once and send nothing", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  const replies: string[] = [];
  dp.submit({ op: "replace", key: key("missing"), value: value("v") }, (r) => replies.push(r.status));
  dp.submit({ op: "delete", key: key("missing") }, (r) => replies.push(r.status));
  assert.deepEqual(replies, ["NOT_STORED", "NOT_FOUND"]);
  assert.equal(dp.RT, 0);
  assert.equal(g.toParity[0][0].length, 0);
});

test("the commit for a completed request rides on the next update", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  dp.submit({ op: "set", key: key("a"), value: value("1") }, () => {});
  g.deliverToParity(0, 0);
  g.deliverToParity(0, 1);
  g.deliverToData(0, 0);
  g.deliverToData(0, 1);
  assert.equal(dp.ST, 1);
  dp.submit({ op: "set", key: key("b"), value: value("2") }, () => {});
  assert.equal(g.runDeferred(), 1);
  assert.equal(g.toParity[0][0].length, 1, "only the update goes out: it carries the commit");
  g.deliverToParity(0, 0);
  assert.equal(g.parityProcesses[0].SVT[0], 1);
  assert.equal(g.parityProcesses[0].RVT[0], 2);
});

test("a commit goes out alone when no update follows", async () => {
  const g = await group();
  g.dataProcesses[0].submit({ op: "set", key: key("a"), value: value("1") }, () => {});
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
  const replies: string[] = [];
  dp.submit({ op: "set", key: key("a"), value: value("1") }, (r) => replies.push(r.status));
  g.deliverToParity(0, 0);
  g.deliverToData(0, 0);
  assert.deepEqual(replies, []);
  dp.onParityDown(1);
  assert.deepEqual(replies, ["STORED"]);
  dp.submit({ op: "set", key: key("b"), value: value("2") }, () => {});
  assert.equal(g.toParity[0][1].length, 1, "the down parity process gets nothing new (only the first update still queued)");
});

test("incr and decr rewrite a counter in place as memcached does, padding with spaces", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  const numbers: (bigint | undefined)[] = [];
  dp.submit({ op: "set", key: key("n"), value: value("10") }, () => {});
  dp.submit({ op: "decr", key: key("n"), delta: 1n }, (r) => numbers.push(r.number));
  dp.submit({ op: "incr", key: key("n"), delta: 18446744073709551615n }, (r) => numbers.push(r.number));
  g.settle();
  assert.deepEqual(numbers, [9n, 8n]);
  assert.equal(readValue(g, 0, "n"), "8 ");
  const errors: (string | undefined)[] = [];
  dp.submit({ op: "set", key: key("s"), value: value("abc") }, () => {});
  dp.submit({ op: "incr", key: key("s"), delta: 1n }, (r) => errors.push(r.error));
  g.settle();
  assert.deepEqual(errors, ["CLIENT_ERROR cannot increment or decrement non-numeric value"]);
});

test("flush_all waits for the requests before it and holds back the ones after it", async () => {
  const g = await group();
  const dp = g.dataProcesses[0];
  const order: string[] = [];
  dp.submit({ op: "set", key: key("before"), value: value("1") }, () => order.push("set before"));
  dp.flushAll(() => order.push("flush"));
  dp.submit({ op: "set", key: key("after"), value: value("2") }, () => order.push("set after"));
  assert.equal(dp.RT, 1, "flush waits for the in-flight set");
  g.settle();
  assert.deepEqual(order, ["set before", "flush", "set after"]);
  assert.equal(readValue(g, 0, "before"), undefined);
  assert.equal(readValue(g, 0, "after"), "2");
  assert.deepEqual(g.replicaMismatches(), []);
});
