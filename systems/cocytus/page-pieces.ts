/**
 * A change to a data area cut at 4 KiB page boundaries (the stripe unit): parity is patched page
 * by page, so the normal path and recovery's working copies both walk a diff this way.
 */
import { PAGE_SIZE } from "../codec/codec.ts";

/** Calls fn for each page that [offset, offset + diff.length) touches, with the part of diff inside it. */
export function forEachPagePiece(offset: number, diff: Uint8Array, fn: (pageNo: number, pageOffset: number, piece: Uint8Array) => void): void {
  let done = 0;
  while (done < diff.length) {
    const at = offset + done;
    const pageNo = Math.floor(at / PAGE_SIZE);
    const pageOffset = at - pageNo * PAGE_SIZE;
    const length = Math.min(diff.length - done, PAGE_SIZE - pageOffset);
    fn(pageNo, pageOffset, diff.subarray(done, done + length));
    done += length;
  }
}
