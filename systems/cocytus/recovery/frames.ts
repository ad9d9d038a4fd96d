/**
 * Recovery frames (types 40..59; the normal path uses 16..25, the peer layer 0..15).
 *
 * On a data process's link to a parity process (the FIFO channel its Updates and Commits use):
 * - ClientAddress (both ways): a member's client address, for `view`;
 * - View (parity → data): the recovery leader's current view (view.ts text);
 * - SnapshotRequest (parity → data): send pages P, each with the ST they reflect, to parity
 *   processes T; the bytes go to one of them (the leader), the others get the ST only;
 * - PageSnapshot (data → parity): the answer, taken in one event-loop step, sent on each target's
 *   link behind every Update and Commit sent there before.
 *
 * Between parity processes (the lower index dials the higher):
 * - ClientAddress, View (leader → others);
 * - Request (leader → follower) / Reply: preparation (RVT query, synchronize) and opening
 *   working copies of parity pages for a repair batch;
 * - Copies (follower → leader): the batch's working copies once complete; AbortCopies.
 */
import { PayloadReader, PayloadWriter } from "../../peer/index.ts";

export const RecoveryFrame = {
  ClientAddress: 40,
  View: 41,
  SnapshotRequest: 42,
  PageSnapshot: 43,
  Request: 44,
  Reply: 45,
  Copies: 46,
  AbortCopies: 47,
} as const;

export const RecoveryRequestKind = {
  /** Answer RVT[i] of a failed data process i (and count it failed). */
  QueryRvt: 1,
  /** Apply i's buffered requests up to the synchronized timestamp, drop the rest. */
  Synchronize: 2,
  /** Open working copies of parity pages for a repair batch. */
  OpenCopies: 3,
} as const;
export type RecoveryRequestKind = (typeof RecoveryRequestKind)[keyof typeof RecoveryRequestKind];

export function isRecoveryFrame(type: number): boolean {
  return type >= RecoveryFrame.ClientAddress && type <= RecoveryFrame.AbortCopies;
}

export function encodeClientAddress(member: number, address: string): Buffer {
  return new PayloadWriter(64).u32(member).string(address).finish();
}

export function decodeClientAddress(payload: Buffer): { member: number; address: string } {
  const reader = new PayloadReader(payload, "cocytus client address");
  return { member: reader.u32(), address: reader.string() };
}

export function encodeText(text: string): Buffer {
  return new PayloadWriter(text.length + 8).string(text).finish();
}

export function decodeText(payload: Buffer, what: string): string {
  return new PayloadReader(payload, what).string();
}

function writeList(writer: PayloadWriter, values: readonly number[]): void {
  writer.u32(values.length);
  for (const value of values) writer.u32(value);
}

function readList(reader: PayloadReader): number[] {
  const count = reader.u32();
  if (count > reader.remaining / 4) throw new Error(`cocytus recovery frame: a list of ${count} numbers does not fit in ${reader.remaining} bytes`);
  const values: number[] = [];
  for (let n = 0; n < count; n++) values.push(reader.u32());
  return values;
}

export interface SnapshotRequest {
  batch: number;
  /** Parity indices (0..m-1) that get the snapshot. */
  targets: number[];
  /** The target that gets the page bytes (the others get the ST only). */
  bytesTo: number;
  pages: number[];
}

export function encodeSnapshotRequest(request: SnapshotRequest): Buffer {
  const writer = new PayloadWriter(32 + 4 * (request.pages.length + request.targets.length)).u53(request.batch).u32(request.bytesTo);
  writeList(writer, request.targets);
  writeList(writer, request.pages);
  return writer.finish();
}

export function decodeSnapshotRequest(payload: Buffer): SnapshotRequest {
  const reader = new PayloadReader(payload, "cocytus snapshot request");
  const batch = reader.u53();
  const bytesTo = reader.u32();
  return { batch, bytesTo, targets: readList(reader), pages: readList(reader) };
}

export interface PageSnapshot {
  batch: number;
  /** The data process's ST when the pages were copied (same event-loop step). */
  stable: number;
  /** The pages, concatenated in request order; empty for a target that gets the ST only. */
  bytes: Buffer;
}

export function encodePageSnapshot(batch: number, stable: number, bytes: Uint8Array): Buffer {
  return new PayloadWriter(24 + bytes.length).u53(batch).u53(stable).bytes(bytes).finish();
}

export function decodePageSnapshot(payload: Buffer): PageSnapshot {
  const reader = new PayloadReader(payload, "cocytus page snapshot");
  return { batch: reader.u53(), stable: reader.u53(), bytes: reader.bytes() };
}

export interface RecoveryRequest {
  id: number;
  kind: RecoveryRequestKind;
  dataIndex: number;
  /** Synchronize: the synchronized stable timestamp. */
  ts: number;
  /** OpenCopies: the batch, its providers (data indices sending snapshots) and pages. */
  batch: number;
  providers: number[];
  pages: number[];
}

export function encodeRequest(request: RecoveryRequest): Buffer {
  const writer = new PayloadWriter(48 + 4 * (request.pages.length + request.providers.length));
  writer.u53(request.id).u8(request.kind).u32(request.dataIndex).u53(request.ts).u53(request.batch);
  writeList(writer, request.providers);
  writeList(writer, request.pages);
  return writer.finish();
}

export function decodeRequest(payload: Buffer): RecoveryRequest {
  const reader = new PayloadReader(payload, "cocytus recovery request");
  const id = reader.u53();
  const kind = reader.u8();
  if (kind < RecoveryRequestKind.QueryRvt || kind > RecoveryRequestKind.OpenCopies) throw new Error(`cocytus recovery request: expected a kind from 1 to 3, found ${kind}`);
  const dataIndex = reader.u32();
  const ts = reader.u53();
  const batch = reader.u53();
  return { id, kind: kind as RecoveryRequestKind, dataIndex, ts, batch, providers: readList(reader), pages: readList(reader) };
}

export interface RecoveryReply {
  id: number;
  /** null on success, else what went wrong. */
  error: string | null;
  value: number;
}

export function encodeReply(reply: RecoveryReply): Buffer {
  const writer = new PayloadWriter(32).u53(reply.id).u53(reply.value).u8(reply.error === null ? 0 : 1);
  if (reply.error !== null) writer.string(reply.error);
  return writer.finish();
}

export function decodeReply(payload: Buffer): RecoveryReply {
  const reader = new PayloadReader(payload, "cocytus recovery reply");
  const id = reader.u53();
  const value = reader.u53();
  const failed = reader.u8() !== 0;
  return { id, value, error: failed ? reader.string() : null };
}

export function encodeCopies(batch: number, bytes: Uint8Array): Buffer {
  return new PayloadWriter(16 + bytes.length).u53(batch).bytes(bytes).finish();
}

export function decodeCopies(payload: Buffer): { batch: number; bytes: Buffer } {
  const reader = new PayloadReader(payload, "cocytus working copies");
  return { batch: reader.u53(), bytes: reader.bytes() };
}

export function encodeBatch(batch: number): Buffer {
  return new PayloadWriter(8).u53(batch).finish();
}

export function decodeBatch(payload: Buffer): number {
  return new PayloadReader(payload, "cocytus batch").u53();
}
