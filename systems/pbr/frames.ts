/**
 * Peer frames of pbr mode (types 16 and up; the peer layer's framing, version byte and
 * heartbeats sit underneath). Every member links to every other member; each link carries:
 *
 *   Member        both ways, first:  index u32, client address string
 *   Write         primary → backup:  one or more of: epoch u32, seq u53, op u8, key, flags u32,
 *                                    exptime u32, cas u53, value
 *   Ack           backup → primary:  epoch u32, seq u53 (everything up to seq is applied)
 *   View          primary → backup:  epoch u32, primary u32, live-member mask u32
 *   Suspect       backup ↔ backup:   epoch u32 (whose primary is down), applied seq u53
 *   CatchUpBegin  new primary → follower: epoch u32, full u8 (1: clear the store first)
 *   CatchUpEnd    new primary → follower: epoch u32, seq u53 (the follower is now at seq)
 *
 * A Write carries one primitive write (store, remove, touch, clear). Normal writes have seq ≥ 1
 * and must be applied in seq order; catch-up writes, between CatchUpBegin and CatchUpEnd, have
 * seq 0. A stored item's CAS is the seq of the write that stored it, on every member, so a
 * client's `gets` CAS stays valid after a failover and catch-up can find recent items by CAS.
 */

import { PayloadReader, PayloadWriter } from "../peer/index.ts";

export const PbrFrame = {
  Member: 16,
  Write: 17,
  Ack: 18,
  View: 19,
  Suspect: 20,
  CatchUpBegin: 21,
  CatchUpEnd: 22,
} as const;

/** The primitive writes of semantics.ts's WriteSink, as replicated. */
export const WriteOp = { Store: 1, Remove: 2, Touch: 3, Clear: 4 } as const;
export type WriteOp = (typeof WriteOp)[keyof typeof WriteOp];

/** One replicated write; key and value are views into a frame when decoded. */
export interface ReplicatedWrite {
  epoch: number;
  /** Position in the primary's write order (≥ 1), or 0 for a catch-up write. */
  seq: number;
  op: WriteOp;
  key: Uint8Array;
  flags: number;
  /** Absolute expiry in server seconds as the store keeps it (0 = never). */
  exptime: number;
  cas: number;
  value: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** A blank write to decode into (one per process: decoding allocates nothing else). */
export function blankWrite(): ReplicatedWrite {
  return { epoch: 0, seq: 0, op: WriteOp.Store, key: EMPTY, flags: 0, exptime: 0, cas: 0, value: EMPTY };
}

const WRITE_FIXED_BYTES = 4 + 8 + 1 + 4 + 4 + 4 + 8 + 4;

function encodeWriteInto(writer: PayloadWriter, w: ReplicatedWrite): void {
  writer.u32(w.epoch).u53(w.seq).u8(w.op).bytes(w.key).u32(w.flags).u32(w.exptime).u53(w.cas).bytes(w.value);
}

/** A Write payload holding one write. */
export function encodeWrite(w: ReplicatedWrite): Buffer {
  const writer = new PayloadWriter(WRITE_FIXED_BYTES + w.key.length + w.value.length);
  encodeWriteInto(writer, w);
  return writer.finish();
}

/**
 * Writes collected into one Write payload, so that all the writes of an event-loop turn leave in
 * one frame (one socket write per backup instead of one per write). The payload's buffer is
 * reused from batch to batch: a batch costs no allocation beyond the frame it is sent in.
 */
export class WriteBatch {
  private readonly writer = new PayloadWriter(BATCH_START_BYTES);
  private size = 0;

  add(w: ReplicatedWrite): void {
    encodeWriteInto(this.writer, w);
    this.size += WRITE_FIXED_BYTES + w.key.length + w.value.length;
  }

  /** Bytes collected so far. */
  get bytes(): number {
    return this.size;
  }

  /** The payload of the writes collected (null if none; a view, valid until the next add), and a fresh start. */
  take(): Buffer | null {
    if (this.size === 0) return null;
    const payload = this.writer.finish();
    this.writer.clear();
    this.size = 0;
    return payload;
  }
}

const BATCH_START_BYTES = 16 * 1024;

/**
 * Decodes every write of a Write payload in order, calling fn with each (the same object each
 * time; key and value are views of the payload, valid during the call).
 */
export function decodeWrites(payload: Buffer, into: ReplicatedWrite, fn: (w: ReplicatedWrite) => void): void {
  const reader = new PayloadReader(payload, "pbr write frame");
  while (reader.remaining > 0) {
    into.epoch = reader.u32();
    into.seq = reader.u53();
    const op = reader.u8();
    if (op < WriteOp.Store || op > WriteOp.Clear) throw new Error(`pbr write frame: expected an op from 1 to 4, found ${op}`);
    into.op = op as WriteOp;
    into.key = reader.bytes();
    into.flags = reader.u32();
    into.exptime = reader.u32();
    into.cas = reader.u53();
    into.value = reader.bytes();
    fn(into);
  }
}

/** Decodes a Write payload that holds exactly one write. */
export function decodeWrite(payload: Buffer, into: ReplicatedWrite): ReplicatedWrite {
  let count = 0;
  decodeWrites(payload, into, () => count++);
  if (count !== 1) throw new Error(`pbr write frame: expected one write, found ${count}`);
  return into;
}

export interface MemberInfo {
  index: number;
  /** `host:port` clients use to reach this member. */
  clientAddress: string;
}

export function encodeMember(info: MemberInfo): Buffer {
  return new PayloadWriter(64).u32(info.index).string(info.clientAddress).finish();
}

export function decodeMember(payload: Buffer): MemberInfo {
  const reader = new PayloadReader(payload, "pbr member frame");
  return { index: reader.u32(), clientAddress: reader.string() };
}

/** Ack, Suspect and CatchUpEnd: an epoch and a sequence number. */
export interface EpochSeq {
  epoch: number;
  seq: number;
}

export function encodeEpochSeq(epoch: number, seq: number): Buffer {
  return new PayloadWriter(12).u32(epoch).u53(seq).finish();
}

export function decodeEpochSeq(payload: Buffer, what: string): EpochSeq {
  const reader = new PayloadReader(payload, what);
  return { epoch: reader.u32(), seq: reader.u53() };
}

export interface ViewChange {
  epoch: number;
  primary: number;
  /** Bit i set: member i is live. */
  liveMask: number;
}

export function encodeViewChange(change: ViewChange): Buffer {
  return new PayloadWriter(12).u32(change.epoch).u32(change.primary).u32(change.liveMask).finish();
}

export function decodeViewChange(payload: Buffer): ViewChange {
  const reader = new PayloadReader(payload, "pbr view frame");
  return { epoch: reader.u32(), primary: reader.u32(), liveMask: reader.u32() };
}

export interface CatchUpBegin {
  epoch: number;
  /** The follower must clear its store: the catch-up resends every item. */
  full: boolean;
}

export function encodeCatchUpBegin(begin: CatchUpBegin): Buffer {
  return new PayloadWriter(8).u32(begin.epoch).u8(begin.full ? 1 : 0).finish();
}

export function decodeCatchUpBegin(payload: Buffer): CatchUpBegin {
  const reader = new PayloadReader(payload, "pbr catch-up begin frame");
  return { epoch: reader.u32(), full: reader.u8() === 1 };
}
