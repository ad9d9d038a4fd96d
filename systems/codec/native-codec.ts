/**
 * The codec on @ronomon/reed-solomon: a Cauchy bit-matrix Reed-Solomon code over GF(2^w)
 * (w = 4 for RS(3,2)), run on libuv's threadpool. A 4 KiB page is split into w packets of 4096/w
 * bytes and parity packet a is an XOR of data packets, so a change's delta spreads over the page.
 *
 * Each call costs ~17 µs whatever its size, so work is batched: N pages go through one call as
 * one stripe of N·4096-byte shards whose packet a holds packet a of every page side by side.
 * Because the bit-matrix works packet by packet with plain XOR, that gives exactly each page's
 * own encoding, as long as the library does not shrink its packet size (it does so only above a
 * cache budget of 1 MiB per row pass, which bounds the batch).
 */
import {
  PAGE_SIZE,
  checkCodingParameters,
  checkDecodeArguments,
  checkPage,
  checkPatch,
  type DeltaRequest,
  type ErasureCodec,
  type ParityPatch,
} from "./codec.ts";
import { xorInto } from "./gf256.ts";
import { createNativeContext, nativeEncode, type NativeContext } from "./reed-solomon-binding.ts";

/** The library's cache budget (binding.c dot_chunk_size): (1 + k·w) · packet ≤ 1 MiB keeps packets whole. */
const LIBRARY_CACHE_BUDGET = 1 << 20;

/** A page's place inside a batch of `pages` pages laid out packet-interleaved. */
class BatchLayout {
  readonly shardSize: number;

  constructor(
    readonly pages: number,
    readonly packetSize: number,
  ) {
    this.shardSize = pages * PAGE_SIZE;
  }

  /** Offset inside a shard of byte `byte` of page `page`. */
  offset(page: number, byte: number): number {
    const packet = Math.floor(byte / this.packetSize);
    return packet * this.pages * this.packetSize + page * this.packetSize + (byte % this.packetSize);
  }

  /** Copies `bytes` (starting at byte `pageOffset` of page `page`) into the shard that starts at `shardStart` of `target`. */
  scatter(target: Buffer, shardStart: number, page: number, pageOffset: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const byte = pageOffset + done;
      const run = Math.min(bytes.length - done, this.packetSize - (byte % this.packetSize));
      target.set(bytes.subarray(done, done + run), shardStart + this.offset(page, byte));
      done += run;
    }
  }

  /** XORs page `page` of the shard at `shardStart` of `source` into `pageOut`. */
  gatherXor(source: Buffer, shardStart: number, page: number, pageOut: Uint8Array): void {
    for (let byte = 0; byte < PAGE_SIZE; byte += this.packetSize) {
      const from = shardStart + this.offset(page, byte);
      xorInto(pageOut, byte, source.subarray(from, from + this.packetSize));
    }
  }
}

export class NativeCauchyCodec implements ErasureCodec {
  readonly name = "native-cauchy" as const;
  readonly k: number;
  readonly m: number;
  /** Most pages one native call takes (see the module comment). */
  readonly maxBatchPages: number;
  private readonly context: NativeContext;
  private readonly packetSize: number;

  constructor(k: number, m: number) {
    checkCodingParameters(k, m);
    this.k = k;
    this.m = m;
    this.context = createNativeContext(k, m);
    this.packetSize = PAGE_SIZE / this.context.w;
    this.maxBatchPages = Math.max(1, Math.floor(LIBRARY_CACHE_BUDGET / ((1 + k * this.context.w) * this.packetSize)));
  }

  private get allData(): number {
    return (1 << this.k) - 1;
  }

  private get allParity(): number {
    return ((1 << this.m) - 1) << this.k;
  }

  async encode(data: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (data.length !== this.k) throw new RangeError(`codec: encode expects ${this.k} data pages, found ${data.length}`);
    data.forEach((page, index) => checkPage(page, `data page ${index}`));
    const shards = Buffer.alloc(this.k * PAGE_SIZE);
    data.forEach((page, index) => shards.set(page, index * PAGE_SIZE));
    const parity = Buffer.alloc(this.m * PAGE_SIZE);
    await nativeEncode(this.context, this.allData, this.allParity, shards, parity, PAGE_SIZE);
    return Array.from({ length: this.m }, (_, j) => new Uint8Array(parity.subarray(j * PAGE_SIZE, (j + 1) * PAGE_SIZE)));
  }

  async encodeDelta(dataIndex: number, diffPage: Uint8Array): Promise<Uint8Array[]> {
    const [deltas] = await this.encodeDeltas([{ dataIndex, diffPage }]);
    return deltas;
  }

  async encodeDeltas(requests: readonly DeltaRequest[]): Promise<Uint8Array[][]> {
    for (const request of requests) {
      this.checkDataIndex(request.dataIndex);
      checkPage(request.diffPage, "diffPage");
    }
    const out = requests.map(() => Array.from({ length: this.m }, () => new Uint8Array(PAGE_SIZE)));
    const parityRows = Array.from({ length: this.m }, (_, j) => j);
    const batch = requests.map((request, index) => ({ dataIndex: request.dataIndex, pageOffset: 0, diff: request.diffPage, outputs: out[index] }));
    await this.runBatched(batch, parityRows);
    return out;
  }

  async decode(shards: readonly (Uint8Array | null)[], lost: readonly number[]): Promise<Uint8Array[]> {
    const present = checkDecodeArguments(this.k, this.m, shards, lost);
    if (lost.length === 0) return [];
    if (lost.length > this.m) throw new RangeError(`codec: at most ${this.m} shards can be rebuilt, asked for ${lost.length}`);
    const data = Buffer.alloc(this.k * PAGE_SIZE);
    const parity = Buffer.alloc(this.m * PAGE_SIZE);
    let sources = 0;
    let targets = 0;
    for (const index of lost) targets |= 1 << index;
    for (const index of present) {
      if (targets & (1 << index)) continue;
      sources |= 1 << index;
      const page = shards[index] as Uint8Array;
      if (index < this.k) data.set(page, index * PAGE_SIZE);
      else parity.set(page, (index - this.k) * PAGE_SIZE);
    }
    await nativeEncode(this.context, sources, targets, data, parity, PAGE_SIZE);
    return lost.map((index) => {
      const start = index < this.k ? index * PAGE_SIZE : (index - this.k) * PAGE_SIZE;
      return new Uint8Array((index < this.k ? data : parity).subarray(start, start + PAGE_SIZE));
    });
  }

  applyDeltas(parityIndex: number, patches: readonly ParityPatch[]): Promise<void> {
    if (!Number.isInteger(parityIndex) || parityIndex < 0 || parityIndex >= this.m) {
      throw new RangeError(`codec: parityIndex must be 0..${this.m - 1}, found ${parityIndex}`);
    }
    for (const patch of patches) checkPatch(this.k, patch);
    const batch = patches.map((patch) => {
      const outputs: Uint8Array[] = [];
      outputs[parityIndex] = patch.parityPage;
      return { dataIndex: patch.dataIndex, pageOffset: patch.pageOffset, diff: patch.diff, outputs };
    });
    return this.runBatched(batch, [parityIndex]);
  }

  private checkDataIndex(dataIndex: number): void {
    if (!Number.isInteger(dataIndex) || dataIndex < 0 || dataIndex >= this.k) throw new RangeError(`codec: dataIndex must be 0..${this.k - 1}, found ${dataIndex}`);
  }

  /**
   * Encodes each change as a stripe whose only non-zero shard is its diff, up to maxBatchPages
   * changes per native call, and XORs parity rows `rows` of change c into c.outputs[row].
   */
  private async runBatched(
    changes: readonly { dataIndex: number; pageOffset: number; diff: Uint8Array; outputs: Uint8Array[] }[],
    rows: readonly number[],
  ): Promise<void> {
    let targets = 0;
    for (const row of rows) targets |= 1 << (this.k + row);
    const calls: Promise<void>[] = [];
    for (let first = 0; first < changes.length; first += this.maxBatchPages) {
      const slice = changes.slice(first, first + this.maxBatchPages);
      const layout = new BatchLayout(slice.length, this.packetSize);
      const data = Buffer.alloc(this.k * layout.shardSize);
      const parity = Buffer.allocUnsafe(this.m * layout.shardSize);
      slice.forEach((change, page) => layout.scatter(data, change.dataIndex * layout.shardSize, page, change.pageOffset, change.diff));
      calls.push(
        nativeEncode(this.context, this.allData, targets, data, parity, layout.shardSize).then(() => {
          slice.forEach((change, page) => {
            for (const row of rows) layout.gatherXor(parity, row * layout.shardSize, page, change.outputs[row]);
          });
        }),
      );
    }
    await Promise.all(calls);
  }
}
