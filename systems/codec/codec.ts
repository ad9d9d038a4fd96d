/**
 * The erasure codec as Cocytus uses it. A stripe is one 4 KiB page at the same offset in the
 * data areas of the k data processes (shards 0..k-1) and the parity areas of the m parity
 * processes (shards k..k+m-1). Every code here is systematic and linear, so the parity delta of
 * a change is the encoding of a stripe whose only non-zero shard is the diff (old XOR new).
 *
 * Two implementations, one interface; one stripe (one group) always uses one of them:
 * - "gf256-vandermonde" (vandermonde-codec.ts): byte-wise Reed-Solomon over GF(2^8) in
 *   TypeScript, Jerasure-style Vandermonde-derived matrix, synchronous;
 * - "native-cauchy" (native-codec.ts): @ronomon/reed-solomon, a Cauchy bit-matrix code run on
 *   libuv's threadpool, asynchronous, ~17 µs a call whatever the size.
 *
 * DEFAULT_CODEC is the TypeScript codec, chosen by measurement (`node --import tsx
 * systems/codec/codec.bench.ts`, RS(3,2), Node 20, 2 cores shared with other work):
 *
 *   µs per call                                 gf256-vandermonde   native-cauchy
 *   SET path, parity row 1 for a 1 KB value            1.5              26.7
 *   SET path, parity row 1, 32 x 1 KB in one call     40 (1.3 each)    255 (8.0 each)
 *   SET path, parity row 0 (XOR), 1 KB                 0.8              29
 *   encodeDelta, 4 KiB page                            8.5              38
 *   decode 2 lost pages                               28                35
 *
 * The native per-call cost (threadpool round trip) dominates the SET path at 1 KB values and
 * batching does not recover it; the TS codec also keeps a delta confined to the changed bytes
 * (the bit-matrix code spreads parity row 1's delta over the whole page) and needs no native
 * addon, which deployments to remote hosts cannot rely on anyway.
 */

export const PAGE_SIZE = 4096;

export const CODEC_NAMES = ["gf256-vandermonde", "native-cauchy"] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

export const DEFAULT_CODEC: CodecName = "gf256-vandermonde";

/** A change to one data page: the diff page (old XOR new, zero outside the change) of data shard dataIndex. */
export interface DeltaRequest {
  dataIndex: number;
  diffPage: Uint8Array;
}

/**
 * One change to patch into one parity page: `diff` are the changed bytes (old XOR new) of data
 * shard `dataIndex`, starting at byte `pageOffset` of the page; `parityPage` is the 4 KiB parity
 * page (a view into the parity area) that receives `parity ^= delta`.
 */
export interface ParityPatch {
  dataIndex: number;
  pageOffset: number;
  diff: Uint8Array;
  parityPage: Uint8Array;
}

export interface ErasureCodec {
  readonly name: CodecName;
  /** Data shards per stripe. */
  readonly k: number;
  /** Parity shards per stripe. */
  readonly m: number;
  /** k data pages in, m parity pages out. */
  encode(data: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** The parity deltas (one page per parity shard) of a change whose diff page is at data shard dataIndex. */
  encodeDelta(dataIndex: number, diffPage: Uint8Array): Promise<Uint8Array[]>;
  /** encodeDelta for many changes at once, in as few native calls as the implementation allows. */
  encodeDeltas(requests: readonly DeltaRequest[]): Promise<Uint8Array[][]>;
  /**
   * Rebuilds lost shards. shards[s] is the page of shard s (0..k+m-1) or null when unavailable;
   * at least k must be present. Returns the pages of `lost`, in that order.
   */
  decode(shards: readonly (Uint8Array | null)[], lost: readonly number[]): Promise<Uint8Array[]>;
  /**
   * Patches parity row parityIndex (0..m-1) for every change: parityPage ^= its delta.
   * Synchronous codecs patch before returning and return undefined; asynchronous ones return a
   * promise that settles once every page is patched (pages are untouched until then).
   */
  applyDeltas(parityIndex: number, patches: readonly ParityPatch[]): Promise<void> | undefined;
}

/** Checks k and m against what both codecs support (RS(k, m) with 1 ≤ m, 2 ≤ k, k + m ≤ 16). */
export function checkCodingParameters(k: number, m: number): void {
  if (!Number.isInteger(k) || k < 2 || k > 16) throw new RangeError(`codec: k must be an integer from 2 to 16, found ${k}`);
  if (!Number.isInteger(m) || m < 1 || m > 6) throw new RangeError(`codec: m must be an integer from 1 to 6, found ${m}`);
  if (k + m > 16) throw new RangeError(`codec: k + m must be at most 16, found k=${k} m=${m}`);
}

/** Checks that a page argument is a whole stripe unit. */
export function checkPage(page: Uint8Array, what: string): void {
  if (page.length !== PAGE_SIZE) throw new RangeError(`codec: ${what} must be ${PAGE_SIZE} bytes, found ${page.length}`);
}

/** Checks decode's arguments and returns the present shard indices. */
export function checkDecodeArguments(k: number, m: number, shards: readonly (Uint8Array | null)[], lost: readonly number[]): number[] {
  if (shards.length !== k + m) throw new RangeError(`codec: decode expects ${k + m} shard slots, found ${shards.length}`);
  const present: number[] = [];
  shards.forEach((shard, index) => {
    if (shard === null) return;
    checkPage(shard, `shard ${index}`);
    present.push(index);
  });
  if (present.length < k) throw new RangeError(`codec: decode needs at least ${k} shards, found ${present.length}`);
  for (const index of lost) {
    if (!Number.isInteger(index) || index < 0 || index >= k + m) throw new RangeError(`codec: lost shard index must be 0..${k + m - 1}, found ${index}`);
  }
  return present;
}

/** Checks one parity patch (the change must lie inside one page). */
export function checkPatch(k: number, patch: ParityPatch): void {
  if (!Number.isInteger(patch.dataIndex) || patch.dataIndex < 0 || patch.dataIndex >= k) {
    throw new RangeError(`codec: patch dataIndex must be 0..${k - 1}, found ${patch.dataIndex}`);
  }
  if (patch.pageOffset < 0 || patch.pageOffset + patch.diff.length > PAGE_SIZE) {
    throw new RangeError(`codec: a patch must lie inside one page, found offset ${patch.pageOffset} length ${patch.diff.length}`);
  }
  checkPage(patch.parityPage, "parityPage");
}

export async function createCodec(name: CodecName, k: number, m: number): Promise<ErasureCodec> {
  checkCodingParameters(k, m);
  if (name === "gf256-vandermonde") {
    const { VandermondeCodec } = await import("./vandermonde-codec.ts");
    return new VandermondeCodec(k, m);
  }
  if (name === "native-cauchy") {
    const { NativeCauchyCodec } = await import("./native-codec.ts");
    return new NativeCauchyCodec(k, m);
  }
  throw new RangeError(`codec: name must be one of ${CODEC_NAMES.join(", ")}, found ${String(name)}`);
}
