/**
 * The leader's last step of a repair batch: decode each page from the providers' snapshots and
 * the parity working copies (all at the same versions), giving the lost data processes' pages.
 */
import { PAGE_SIZE, type ErasureCodec } from "../../codec/codec.ts";

export interface BatchShards {
  pageCount: number;
  /** Per provider data index: its pages at its snapshot's ST, concatenated in batch order. */
  data: Map<number, Buffer>;
  /** Per parity index j (0..m-1): its working copies, concatenated in batch order. */
  parity: Map<number, Buffer>;
}

/** Per lost data index: its decoded pages, concatenated in batch order. */
export async function decodePages(codec: ErasureCodec, shards: BatchShards, lost: readonly number[]): Promise<Map<number, Buffer>> {
  const { k, m } = codec;
  const { pageCount } = shards;
  if (shards.data.size + shards.parity.size < k) {
    throw new Error(`cocytus repair: decoding needs ${k} shards per page, found ${shards.data.size} data and ${shards.parity.size} parity`);
  }
  const out = new Map<number, Buffer>(lost.map((d) => [d, Buffer.alloc(pageCount * PAGE_SIZE)]));
  const page = (bytes: Buffer, n: number) => new Uint8Array(bytes.buffer, bytes.byteOffset + n * PAGE_SIZE, PAGE_SIZE);
  for (let n = 0; n < pageCount; n++) {
    const slots: (Uint8Array | null)[] = new Array<Uint8Array | null>(k + m).fill(null);
    for (const [d, bytes] of shards.data) slots[d] = page(bytes, n);
    for (const [j, bytes] of shards.parity) slots[k + j] = page(bytes, n);
    const decoded = await codec.decode(slots, lost);
    lost.forEach((d, x) => out.get(d)!.set(decoded[x], n * PAGE_SIZE));
  }
  return out;
}
