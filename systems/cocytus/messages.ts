/**
 * Cocytus peer frames (types from 16 up; the peer layer owns 0..15). The normal path has three:
 * Update (data process → every parity process: the request with its timestamp, metadata change
 * and diff, plus the data process's stable timestamp piggybacked; several go in one UpdateBatch
 * frame), Ack (parity → data process: RVT[i], cumulative, since the channel is FIFO) and Commit
 * (data → parity process: ST, when no update is going out to carry it).
 */
import { xorInto } from "../codec/gf256.ts";
import { PayloadReader, PayloadWriter } from "../peer/index.ts";
import { ChangeKind, type Change } from "./change.ts";

export const CocytusFrame = {
  Update: 16,
  Ack: 17,
  Commit: 18,
  /** Several Updates in one frame (UpdateBatch): one write per event-loop turn instead of one per request. */
  UpdateBatch: 19,
  /** Debug/admin: a request for a member's state, pages or metadata (debug.ts). */
  DebugRequest: 24,
  DebugReply: 25,
} as const;

/** An Update as a parity process sees it. */
export interface UpdateMessage {
  /** The request's timestamp (the data process's RT when it was received). */
  ts: number;
  /** The data process's ST when it sent this: a piggybacked commit. */
  stable: number;
  change: Change;
  /** The key's record at the data process before this change: its ref, or -1 for none (see recordAfter). */
  record: number;
  /**
   * 0, or the ts of a write of the same key that was still in flight when this one was sent: the
   * record is then the one that write leaves (the data process could not know its ref yet).
   */
  recordAfter: number;
  /** Put: old XOR new over [offset, offset + length); empty otherwise. */
  diff: Uint8Array;
}

/** Bytes an Update's payload takes besides key and diff. */
const UPDATE_FIXED_BYTES = 8 + 8 + 1 + 8 + 8 + 4 + 8 + 4 + 4 + 4 + 8 + 4;

/**
 * Encodes Updates into one reusable buffer (the peer link copies a payload into its frame when it
 * sends), computing the diff old XOR new straight into it: no allocation per request. The layout
 * is the peer layer's field encoding, as decodeUpdate reads it with a PayloadReader.
 */
export class UpdateEncoder {
  private scratch = Buffer.allocUnsafe(64 * 1024);

  /**
   * The payload (a view, valid until the next encode). For a Put, diff = old XOR value; otherwise
   * pass nulls. record, recordAfter: as UpdateMessage has them.
   */
  encode(ts: number, stable: number, change: Change, record: number, recordAfter: number, old: Uint8Array | null, value: Uint8Array | null): Buffer {
    const diffLength = value === null ? 0 : value.length;
    const size = UPDATE_FIXED_BYTES + change.key.length + diffLength;
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, 2 * this.scratch.length));
    const out = this.scratch;
    let at = out.writeDoubleBE(ts, 0);
    at = out.writeDoubleBE(stable, at);
    at = out.writeUInt8(change.kind, at);
    at = out.writeDoubleBE(record, at);
    at = out.writeDoubleBE(recordAfter, at);
    at = out.writeUInt32BE(change.key.length, at);
    out.set(change.key, at);
    at += change.key.length;
    at = out.writeDoubleBE(change.offset, at);
    at = out.writeUInt32BE(change.length, at);
    at = out.writeUInt32BE(change.flags, at);
    at = out.writeUInt32BE(change.exptime, at);
    at = out.writeDoubleBE(change.cas, at);
    at = out.writeUInt32BE(diffLength, at);
    if (value !== null && old !== null) {
      out.set(value, at);
      xorInto(out, at, old);
    }
    return out.subarray(0, at + diffLength);
  }
}

/** Encodes one Update into a fresh buffer (tests and tools); by default its key had no record. */
export function encodeUpdate(ts: number, stable: number, change: Change, diff: Uint8Array, record = -1, recordAfter = 0): Buffer {
  return Buffer.from(new UpdateEncoder().encode(ts, stable, change, record, recordAfter, new Uint8Array(diff.length), diff));
}

/** Decodes an Update; key and diff are views into `payload` (copy the payload to keep them). */
export function decodeUpdate(payload: Buffer): UpdateMessage {
  const reader = new PayloadReader(payload, "cocytus update");
  const ts = reader.u53();
  const stable = reader.u53();
  const kind = reader.u8();
  if (kind < ChangeKind.Put || kind > ChangeKind.Flush) throw new Error(`cocytus update: expected a change kind from 1 to 4, found ${kind}`);
  const record = reader.u53();
  const recordAfter = reader.u53();
  if (!(Number.isInteger(record) && record >= -1) || !(Number.isInteger(recordAfter) && recordAfter >= 0 && recordAfter < ts)) {
    throw new Error(`cocytus update: expected a record ref (-1 for none) and an earlier write's ts or 0, found ${record} and ${recordAfter}`);
  }
  const key = reader.bytes();
  const offset = reader.u53();
  const length = reader.u32();
  const flags = reader.u32();
  const exptime = reader.u32();
  const cas = reader.u53();
  const diff = reader.bytes();
  if (kind === ChangeKind.Put && diff.length !== length) throw new Error(`cocytus update: a Put's diff must be ${length} bytes, found ${diff.length}`);
  return { ts, stable, change: { kind: kind as ChangeKind, key, offset, length, flags, exptime, cas }, record, recordAfter, diff };
}

export function encodeTimestamp(ts: number): Buffer {
  return new PayloadWriter(8).u53(ts).finish();
}

export function decodeTimestamp(payload: Buffer, what: string): number {
  return new PayloadReader(payload, what).u53();
}

/**
 * Bytes a batch may reach before it is sent without waiting for the end of the event-loop turn.
 * Kept small: a parity process gathers a frame split across socket reads in an assembly buffer
 * as large as the frame. Measured (300 MB of 1 KB values, one group): batching halved the data process's
 * socket-write time; parity processes' RSS grew ~15 MiB each while data processes' shrank, so the
 * group's RSS per value byte stayed about equal (2.08 batched, 2.10 not).
 */
export const MAX_BATCH_BYTES = 32 * 1024;

/**
 * Update payloads gathered for one UpdateBatch frame: (u32 length, payload) repeated. The buffer
 * is reused (the peer link copies a payload into its frame when it sends).
 */
export class UpdateBatch {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private used = 0;

  get byteLength(): number {
    return this.used;
  }

  add(payload: Uint8Array): void {
    const needed = this.used + 4 + payload.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buffer.length));
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    this.buffer.writeUInt32BE(payload.length, this.used);
    this.buffer.set(payload, this.used + 4);
    this.used = needed;
  }

  /** The batch's bytes (a view, valid until the next add), leaving the batch empty. */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.used);
    this.used = 0;
    return bytes;
  }
}

/** Calls fn with each Update payload of an UpdateBatch frame, in order; throws on a malformed batch. */
export function forEachBatchedUpdate(frame: Buffer, fn: (payload: Buffer) => void): void {
  let at = 0;
  while (at < frame.length) {
    if (frame.length - at < 4) throw new Error(`cocytus update batch: expected a 4-byte length at offset ${at}, found ${frame.length - at} bytes`);
    const length = frame.readUInt32BE(at);
    if (length > frame.length - at - 4) throw new Error(`cocytus update batch: an update of ${length} bytes at offset ${at} runs past the frame's ${frame.length} bytes`);
    fn(frame.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
}
