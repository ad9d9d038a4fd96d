import assert from "node:assert/strict";
import { test } from "node:test";
import { ChangeKind } from "./change.ts";
import { decodeUpdate, forEachBatchedUpdate, UpdateBatch, UpdateEncoder } from "./messages.ts";

const change = { kind: ChangeKind.Put, key: Buffer.from("key"), offset: 4096 + 8, length: 5, flags: 7, exptime: 0, cas: 42 } as const;

test("an Update carries old XOR new and decodes to the same change", () => {
  const old = Buffer.from("hello");
  const value = Buffer.from("world");
  const update = decodeUpdate(Buffer.from(new UpdateEncoder().encode(9, 8, change, 123, 7, old, value)));
  assert.equal(update.ts, 9);
  assert.equal(update.stable, 8);
  assert.equal(update.record, 123);
  assert.equal(update.recordAfter, 7);
  assert.deepEqual({ ...update.change, key: update.change.key.toString() }, { ...change, key: "key" });
  assert.deepEqual([...update.diff], [...old].map((byte, i) => byte ^ value[i]));
});

test("a batch of Updates comes out whole and in order", () => {
  const encoder = new UpdateEncoder();
  const batch = new UpdateBatch();
  for (let ts = 1; ts <= 300; ts++) batch.add(encoder.encode(ts, ts - 1, change, -1, 0, Buffer.alloc(5), Buffer.alloc(5, ts)));
  const seen: number[] = [];
  forEachBatchedUpdate(Buffer.from(batch.take()), (payload) => seen.push(decodeUpdate(payload).ts));
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i + 1));
  assert.equal(batch.byteLength, 0, "take() empties the batch");
});

test("an Update naming a record after a write that is not earlier than itself is refused", () => {
  assert.throws(() => decodeUpdate(Buffer.from(new UpdateEncoder().encode(9, 8, change, -1, 9, Buffer.alloc(5), Buffer.alloc(5)))), /an earlier write's ts or 0, found -1 and 9/);
  assert.throws(() => decodeUpdate(Buffer.from(new UpdateEncoder().encode(9, 8, change, -2, 0, Buffer.alloc(5), Buffer.alloc(5)))), /found -2 and 0/);
});

test("a malformed batch is refused with the offset where it breaks", () => {
  const batch = new UpdateBatch();
  batch.add(Buffer.from("abc"));
  const bytes = Buffer.from(batch.take());
  assert.throws(() => forEachBatchedUpdate(bytes.subarray(0, 5), () => {}), /an update of 3 bytes at offset 0 runs past the frame's 5 bytes/);
  assert.throws(() => forEachBatchedUpdate(Buffer.concat([bytes, Buffer.from([0, 0])]), () => {}), /expected a 4-byte length at offset 7, found 2 bytes/);
});
