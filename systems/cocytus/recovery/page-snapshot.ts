/**
 * The data process's side of online repair: a snapshot of some 4 KiB pages of its data area with
 * the stable timestamp (ST) they reflect. Both are read in one synchronous step, so no request can
 * complete in between: the bytes are exactly the data at version ST (a request changes the area
 * only when it completes, and ST moves at that same moment).
 */
import { PAGE_SIZE } from "../../codec/codec.ts";
import type { DataProcess } from "../data-process.ts";
import { encodePageSnapshot, RecoveryFrame, type SnapshotRequest } from "./frames.ts";

export interface PagesAtVersion {
  /** The data process's ST when the pages were copied. */
  stable: number;
  /** The pages, concatenated in the order asked. */
  bytes: Buffer;
}

/** Copies pages of the data process's area together with its ST, in one step. */
export function takePageSnapshot(dataProcess: DataProcess, pages: readonly number[]): PagesAtVersion {
  const area = dataProcess.store.dataArea;
  const bytes = Buffer.alloc(pages.length * PAGE_SIZE);
  // A page never written is zero: copy nothing (viewing it would count it touched).
  pages.forEach((pageNo, n) => {
    if (area.isTouched(pageNo)) bytes.set(area.pageView(pageNo), n * PAGE_SIZE);
  });
  return { stable: dataProcess.ST, bytes };
}

/**
 * Answers a snapshot request: one snapshot, sent to every target parity process on the link that
 * carries this data process's Updates and Commits (behind all of them); the bytes go to one target.
 */
export function answerSnapshotRequest(dataProcess: DataProcess, request: SnapshotRequest, send: (parity: number, type: number, payload: Buffer) => void): void {
  const snapshot = takePageSnapshot(dataProcess, request.pages);
  const withoutBytes = encodePageSnapshot(request.batch, snapshot.stable, new Uint8Array(0));
  for (const target of request.targets) {
    send(target, RecoveryFrame.PageSnapshot, target === request.bytesTo ? encodePageSnapshot(request.batch, snapshot.stable, snapshot.bytes) : withoutBytes);
  }
}
