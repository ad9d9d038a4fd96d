import { BitSet } from "./bit-set.ts";

/**
 * The data area: one flat range of global offsets backed by large ArrayBuffer chunks that are
 * created on first use. A fresh ArrayBuffer of this size comes from calloc/mmap, so its pages
 * cost no memory until they are written; reserving the whole area up front is free.
 *
 * Offset x lives in chunk floor(x / chunkBytes) at position x mod chunkBytes. A region never
 * straddles two chunks (the allocator carves slab pages that divide the chunk size).
 * In cocytus mode offset x of every data process of a group is one stripe, and a parity process
 * keeps its parity in a DataArea of its own at the same offsets; 4 KiB pages are the repair unit.
 */

/** The repair and stripe unit of cocytus mode. */
export const PAGE_BYTES = 4096;

export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

export interface DataAreaOptions {
  /** Largest offset + 1 the area serves. */
  capacityBytes: number;
  /** Size of one backing ArrayBuffer; a multiple of PAGE_BYTES. */
  chunkBytes?: number;
}

export class DataArea {
  readonly capacityBytes: number;
  readonly chunkBytes: number;
  private readonly chunks: (Buffer | undefined)[] = [];
  private readonly chunkCount: number;
  /** The 4 KiB pages ever written or viewed: the pages that can be resident. */
  private readonly touchedPages = new BitSet();
  private touchedPageCount = 0;

  constructor(options: DataAreaOptions) {
    const { capacityBytes, chunkBytes = DEFAULT_CHUNK_BYTES } = options;
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`DataArea: capacityBytes must be a non-negative integer, found ${capacityBytes}`);
    }
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % PAGE_BYTES !== 0) {
      throw new RangeError(`DataArea: chunkBytes must be a positive multiple of ${PAGE_BYTES}, found ${chunkBytes}`);
    }
    this.capacityBytes = capacityBytes;
    this.chunkBytes = chunkBytes;
    this.chunkCount = Math.ceil(capacityBytes / chunkBytes);
  }

  /** Number of 4 KiB pages the area spans. */
  get pageCount(): number {
    return Math.ceil(this.capacityBytes / PAGE_BYTES);
  }

  /** Bytes of the 4 KiB pages ever written or viewed (what the area can cost in RSS). */
  get touchedBytes(): number {
    return this.touchedPageCount * PAGE_BYTES;
  }

  /** Whether 4 KiB page pageNo was ever written or viewed. */
  isTouched(pageNo: number): boolean {
    return this.touchedPages.has(pageNo);
  }

  /** Bytes of ArrayBuffer reserved so far (virtual; only touched pages are resident). */
  get reservedBytes(): number {
    let sum = 0;
    for (const chunk of this.chunks) if (chunk !== undefined) sum += chunk.length;
    return sum;
  }

  /**
   * The backing buffer of chunk i, created on first use. Lower layers (the item records) keep
   * typed-array views over it; the buffer never moves.
   */
  chunk(i: number): Buffer {
    const existing = this.chunks[i];
    if (existing !== undefined) return existing;
    if (!Number.isInteger(i) || i < 0 || i >= this.chunkCount) {
      throw new RangeError(`DataArea: chunk index must be in [0, ${this.chunkCount}), found ${i}`);
    }
    const size = Math.min(this.chunkBytes, this.capacityBytes - i * this.chunkBytes);
    const created = Buffer.from(new ArrayBuffer(size));
    this.chunks[i] = created;
    return created;
  }

  /**
   * A Buffer view of [offset, offset + length); writes through it land in the area.
   * Valid as long as the area lives (chunks never move).
   */
  view(offset: number, length: number): Buffer {
    const index = this.chunkOf(offset, length);
    const start = offset - index * this.chunkBytes;
    return this.chunk(index).subarray(start, start + length);
  }

  /** Copies bytes into the area at offset. */
  write(offset: number, bytes: Uint8Array): void {
    const index = this.chunkOf(offset, bytes.length);
    this.chunk(index).set(bytes, offset - index * this.chunkBytes);
  }

  /** Copies source[start, end) into the area at offset, without making a subarray of source. */
  writeRange(offset: number, source: Uint8Array, start: number, end: number): void {
    if (!(start >= 0 && end >= start && end <= source.length)) {
      throw new RangeError(`DataArea.writeRange: expected 0 ≤ start ≤ end ≤ ${source.length}, found start ${start}, end ${end}`);
    }
    const index = this.chunkOf(offset, end - start);
    Buffer.prototype.copy.call(source, this.chunk(index), offset - index * this.chunkBytes, start, end);
  }

  /** area[offset + i] ^= bytes[i]: how a parity area applies a delta. */
  xor(offset: number, bytes: Uint8Array): void {
    const target = this.view(offset, bytes.length);
    const n = bytes.length;
    let i = 0;
    if (((target.byteOffset | bytes.byteOffset) & 3) === 0) {
      const words = n >>> 2;
      const t32 = new Int32Array(target.buffer, target.byteOffset, words);
      const b32 = new Int32Array(bytes.buffer, bytes.byteOffset, words);
      for (let w = 0; w < words; w++) t32[w] ^= b32[w];
      i = words << 2;
    }
    for (; i < n; i++) target[i] ^= bytes[i];
  }

  /** The 4 KiB page pageNo, i.e. [pageNo * 4096, (pageNo + 1) * 4096). */
  pageView(pageNo: number): Buffer {
    if (!Number.isInteger(pageNo) || pageNo < 0 || pageNo >= this.pageCount) {
      throw new RangeError(`DataArea: page number must be in [0, ${this.pageCount}), found ${pageNo}`);
    }
    const offset = pageNo * PAGE_BYTES;
    return this.view(offset, Math.min(PAGE_BYTES, this.capacityBytes - offset));
  }

  /** Touched pages as [first, end) ranges of page numbers, in order. */
  touchedPageRanges(): Array<[firstPage: number, endPage: number]> {
    const ranges: Array<[number, number]> = [];
    for (let page = 0; page < this.pageCount; page++) {
      if (!this.touchedPages.has(page)) continue;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last[1] === page) last[1] = page + 1;
      else ranges.push([page, page + 1]);
    }
    return ranges;
  }

  /** The chunk of region [offset, offset + length), which is checked and marked touched. */
  private chunkOf(offset: number, length: number): number {
    const index = Math.floor(offset / this.chunkBytes);
    const end = offset - index * this.chunkBytes + length;
    if (!(offset >= 0 && length >= 0 && end <= this.chunkBytes && offset + length <= this.capacityBytes)) {
      throw new RangeError(this.describeBadRegion(offset, length));
    }
    if (length > 0) this.markTouched(offset, length);
    return index;
  }

  private markTouched(offset: number, length: number): void {
    const first = Math.floor(offset / PAGE_BYTES);
    const last = Math.floor((offset + length - 1) / PAGE_BYTES);
    for (let page = first; page <= last; page++) {
      if (this.touchedPages.has(page)) continue;
      this.touchedPages.add(page);
      this.touchedPageCount++;
    }
  }

  private describeBadRegion(offset: number, length: number): string {
    if (!(Number.isSafeInteger(offset) && offset >= 0) || !(Number.isSafeInteger(length) && length >= 0)) {
      return `DataArea: expected a non-negative integer offset and length, found offset ${offset}, length ${length}`;
    }
    if (offset + length > this.capacityBytes) {
      return `DataArea: region [${offset}, ${offset + length}) ends beyond the area's ${this.capacityBytes} bytes`;
    }
    return `DataArea: region [${offset}, ${offset + length}) straddles a chunk boundary (chunks are ${this.chunkBytes} bytes)`;
  }
}
