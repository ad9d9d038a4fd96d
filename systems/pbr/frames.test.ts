import assert from "node:assert/strict";
import { test } from "node:test";
import { blankWrite, decodeCatchUpBegin, decodeEpochSeq, decodeMember, decodeViewChange, decodeWrite, decodeWrites, encodeCatchUpBegin, encodeEpochSeq, encodeMember, encodeViewChange, encodeWrite, WriteBatch, WriteOp } from "./frames.ts";

test("a write frame carries epoch, seq, op, key, flags, exptime, cas and value intact", () => {
  const write = { epoch: 3, seq: 2 ** 40 + 7, op: WriteOp.Store, key: Buffer.from("user123"), flags: 0xffffffff, exptime: 1_700_000_000, cas: 2 ** 40 + 7, value: Buffer.alloc(5000, 0xab) };
  const decoded = decodeWrite(encodeWrite(write), blankWrite());
  assert.deepEqual({ ...decoded, key: Buffer.from(decoded.key), value: Buffer.from(decoded.value) }, write);
});

test("a batch of writes decodes into the same writes in the same order, and starts afresh after take", () => {
  const batch = new WriteBatch();
  const writes = Array.from({ length: 50 }, (_, n) => ({ epoch: 1, seq: n + 1, op: n % 5 === 0 ? WriteOp.Remove : WriteOp.Store, key: Buffer.from(`k${n}`), flags: n, exptime: 0, cas: n + 1, value: Buffer.alloc(n * 100, n) }));
  for (const w of writes) batch.add(w);
  assert.ok(batch.bytes > 50 * 40);
  const decoded: unknown[] = [];
  decodeWrites(batch.take()!, blankWrite(), (w) => decoded.push({ ...w, key: Buffer.from(w.key), value: Buffer.from(w.value) }));
  assert.deepEqual(decoded, writes);
  assert.equal(batch.take(), null);
  assert.equal(batch.bytes, 0);
});

test("the small frames round-trip: member, epoch and seq, view change, catch-up begin", () => {
  assert.deepEqual(decodeMember(encodeMember({ index: 2, clientAddress: "127.0.1.3:20002" })), { index: 2, clientAddress: "127.0.1.3:20002" });
  assert.deepEqual(decodeEpochSeq(encodeEpochSeq(9, 123456789), "ack"), { epoch: 9, seq: 123456789 });
  assert.deepEqual(decodeViewChange(encodeViewChange({ epoch: 2, primary: 1, liveMask: 0b110 })), { epoch: 2, primary: 1, liveMask: 0b110 });
  assert.deepEqual(decodeCatchUpBegin(encodeCatchUpBegin({ epoch: 4, full: true })), { epoch: 4, full: true });
});

test("a write frame with an unknown op or cut short is refused with a message that says so", () => {
  const payload = Buffer.from(encodeWrite({ ...blankWrite(), epoch: 1, seq: 1, key: Buffer.from("k") }));
  payload[12] = 9;
  assert.throws(() => decodeWrite(payload, blankWrite()), /expected an op from 1 to 4, found 9/);
  assert.throws(() => decodeWrite(payload.subarray(0, 10), blankWrite()), /pbr write frame: expected 8 more bytes at offset 4, found 6/);
});
