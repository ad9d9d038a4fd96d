import assert from "node:assert/strict";
import { test } from "node:test";
import { RemovalLog } from "./removal-log.ts";

const keysAfter = (log: RemovalLog, seq: number) => {
  const keys: string[] = [];
  log.forEachKeyAfter(seq, (key) => keys.push(key.toString()));
  return keys;
};

test("the removal log returns the keys removed or touched after a seq, oldest first", () => {
  const log = new RemovalLog(8);
  log.record(3, Buffer.from("a"));
  log.record(5, Buffer.from("bb"));
  log.record(9, Buffer.from("ccc"));
  assert.deepEqual(keysAfter(log, 0), ["a", "bb", "ccc"]);
  assert.deepEqual(keysAfter(log, 5), ["ccc"]);
  assert.equal(log.covers(0), true);
});

test("a clear after a seq is reported, one before it is not", () => {
  const log = new RemovalLog(8);
  log.record(1, Buffer.from("a"));
  log.recordClear(4);
  assert.equal(log.clearedAfter(3), true);
  assert.equal(log.clearedAfter(4), false);
  assert.deepEqual(keysAfter(log, 0), ["a"], "a clear has no key");
});

test("when the ring overwrites entries it no longer covers catch-ups from before them", () => {
  const log = new RemovalLog(3);
  for (let seq = 1; seq <= 5; seq++) log.record(seq * 10, Buffer.from(`k${seq}`));
  assert.deepEqual(keysAfter(log, 0), ["k3", "k4", "k5"]);
  assert.equal(log.covers(19), false, "the remove at 20 was overwritten");
  assert.equal(log.covers(20), true);
  log.forgetThrough(45);
  assert.equal(log.covers(40), false);
  assert.equal(log.covers(45), true);
});

test("a key of the longest length memcached allows is kept whole", () => {
  const log = new RemovalLog(2);
  const key = Buffer.alloc(250, 0x61);
  log.record(1, key);
  log.record(2, Buffer.from("b"));
  assert.deepEqual(keysAfter(log, 0), [key.toString(), "b"]);
});
