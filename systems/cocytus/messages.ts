/**
 * Cocytus peer frames (types from 16 up; the peer layer owns 0..15). The normal path has three:
 * Update (data process → every parity process: the request with its timestamp, metadata change
 * and diff, plus the data process's stable timestamp piggybacked), Ack (parity → data process:
 * RVT[i], cumulative, since the channel is FIFO) and Commit (data → parity process: ST, when no
 * update is going out to carry it).
 */
import { PayloadReader, PayloadWriter } from "../peer/index.ts";
import { ChangeKind, type Change } from "./change.ts";

export const CocytusFrame = {
  Update: 16,
  Ack: 17,
  Commit: 18,
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
  /** Put: old XOR new over [offset, offset + length); empty otherwise. */
  diff: Uint8Array;
}

/** Bytes an Update's payload takes besides key and diff. */
const UPDATE_FIXED_BYTES = 8 + 8 + 1 + 4 + 8 + 4 + 4 + 4 + 8 + 4;

export function encodeUpdate(ts: number, stable: number, change: Change, diff: Uint8Array): Buffer {
  const writer = new PayloadWriter(UPDATE_FIXED_BYTES + change.key.length + diff.length);
  writer.u53(ts).u53(stable).u8(change.kind).bytes(change.key);
  writer.u53(change.offset).u32(change.length).u32(change.flags).u32(change.exptime).u53(change.cas);
  return writer.bytes(diff).finish();
}

/** Decodes an Update; key and diff are views into `payload` (copy the payload to keep them). */
export function decodeUpdate(payload: Buffer): UpdateMessage {
  const reader = new PayloadReader(payload, "cocytus update");
  const ts = reader.u53();
  const stable = reader.u53();
  const kind = reader.u8();
  if (kind < ChangeKind.Put || kind > ChangeKind.Flush) throw new Error(`cocytus update: expected a change kind from 1 to 4, found ${kind}`);
  const key = reader.bytes();
  const offset = reader.u53();
  const length = reader.u32();
  const flags = reader.u32();
  const exptime = reader.u32();
  const cas = reader.u53();
  const diff = reader.bytes();
  if (kind === ChangeKind.Put && diff.length !== length) throw new Error(`cocytus update: a Put's diff must be ${length} bytes, found ${diff.length}`);
  return { ts, stable, change: { kind: kind as ChangeKind, key, offset, length, flags, exptime, cas }, diff };
}

export function encodeTimestamp(ts: number): Buffer {
  return new PayloadWriter(8).u53(ts).finish();
}

export function decodeTimestamp(payload: Buffer, what: string): number {
  return new PayloadReader(payload, what).u53();
}
