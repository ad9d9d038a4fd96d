import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "../store/index.ts";
import { Op, type Mutation } from "./backend.ts";
import { Replies } from "./replies.ts";
import { executeMutation, maxValueLength, StoreWrites, type WriteSink } from "./semantics.ts";

const NOW = 1_800_000_000;
const ITEM_SIZE = 1024 * 1024;

function mutation(op: Op, key: string, fields: Partial<Mutation> = {}): Mutation {
  return { op, key: Buffer.from(key), value: Buffer.alloc(0), flags: 0, exptime: 0, cas: 0, delta: 0n, now: NOW, noreply: false, ...fields };
}

/** Records the primitive writes instead of applying them (how a mode can plan before it applies). */
class RecordingSink implements WriteSink {
  writes: string[] = [];
  store(key: Buffer, value: Uint8Array, flags: number, exptime: number): boolean {
    this.writes.push(`store ${key} ${JSON.stringify(Buffer.from(value).toString())} ${flags} ${exptime}`);
    return true;
  }
  remove(key: Buffer): void {
    this.writes.push(`remove ${key}`);
  }
  touch(key: Buffer, _handle: number, exptime: number): void {
    this.writes.push(`touch ${key} ${exptime}`);
  }
  clear(): void {
    this.writes.push("clear");
  }
}

function storeWith(items: Array<[string, string, number, number]>): Store {
  const store = new Store({ memoryBytes: 4 * 1024 * 1024 });
  for (const [key, value, flags, exptime] of items) store.set(Buffer.from(key), Buffer.from(value), flags, exptime);
  return store;
}

test("every mutation turns into the primitive writes memcached would make, read from the store and written to the sink", () => {
  const store = storeWith([
    ["a", "old", 7, NOW + 100],
    ["n", "100", 3, 0],
  ]);
  const sink = new RecordingSink();
  const run = (m: Mutation) => executeMutation(store, m, ITEM_SIZE, sink).toString();
  assert.equal(run(mutation(Op.Append, "a", { value: Buffer.from("+"), flags: 99, exptime: 5 })), "STORED\r\n");
  assert.equal(run(mutation(Op.Prepend, "missing", { value: Buffer.from("x") })), "NOT_STORED\r\n");
  assert.equal(run(mutation(Op.Decr, "n", { delta: 1n })), "99\r\n");
  assert.equal(run(mutation(Op.Incr, "n", { delta: 18446744073709551615n })), "99\r\n");
  assert.equal(run(mutation(Op.Set, "gone", { value: Buffer.from("v"), exptime: NOW - 1 })), "STORED\r\n");
  assert.equal(run(mutation(Op.Set, "a", { value: Buffer.from("v"), exptime: NOW })), "STORED\r\n");
  assert.equal(run(mutation(Op.Add, "a", { value: Buffer.from("v") })), "NOT_STORED\r\n");
  assert.equal(run(mutation(Op.Cas, "a", { value: Buffer.from("v"), cas: 0 })), "EXISTS\r\n");
  assert.equal(run(mutation(Op.Cas, "a", { value: Buffer.from("v"), cas: store.cas(store.lookup(Buffer.from("a"), NOW)) })), "STORED\r\n");
  assert.equal(run(mutation(Op.Touch, "n", { exptime: NOW + 10 })), "TOUCHED\r\n");
  assert.equal(run(mutation(Op.Delete, "missing")), "NOT_FOUND\r\n");
  assert.equal(run(mutation(Op.FlushAll, "")), "OK\r\n");
  assert.deepEqual(sink.writes, [
    `store a "old+" 7 ${NOW + 100}`,
    'store n "99 " 3 0',
    'store n "99 " 3 0',
    "remove a",
    `store a "v" 0 0`,
    `touch n ${NOW + 10}`,
    "clear",
  ]);
  assert.equal(store.stats().curr_items, 2, "the store itself was only read");
});

test("with StoreWrites the same semantics apply to the store (plain mode)", () => {
  const store = storeWith([["k", "5", 0, 0]]);
  const writes = new StoreWrites(store);
  assert.equal(executeMutation(store, mutation(Op.Incr, "k", { delta: 10n }), ITEM_SIZE, writes).toString(), "15\r\n");
  const handle = store.lookup(Buffer.from("k"), NOW);
  assert.equal(store.value(handle).toString(), "15");
  assert.equal(executeMutation(store, mutation(Op.Delete, "k"), ITEM_SIZE, writes), Replies.DELETED);
  assert.equal(store.lookup(Buffer.from("k"), NOW), -1);
});

test("the largest value follows memcached's item header arithmetic", () => {
  assert.equal(maxValueLength(1024 * 1024, 1, 0), 1048516);
  assert.equal(maxValueLength(1024 * 1024, 1, 1), 1048512);
  assert.equal(maxValueLength(1024 * 1024, 250, 0), 1048267);
});
