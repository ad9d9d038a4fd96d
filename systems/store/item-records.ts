import { murmur3_32 } from "../routing/murmur3.ts";
import { Allocator } from "./allocator.ts";
import { DataArea } from "./data-area.ts";
import { LateExtras } from "./late-extras.ts";

/**
 * Item records: one variable-size record per item holding its fixed fields and its key,
 * in an arena of its own (a DataArea carved by an Allocator with 8-byte classes, so the
 * slot of a deleted item is reused). The index's table then needs only 5 bytes per slot
 * (a hash tag and the record's ref), which keeps the metadata per item near 25 bytes beyond
 * the key at every load of the table, empty slots included (a table of per-slot fields would
 * cost 33 bytes per slot, up to 88 bytes per item just after a doubling).
 *
 * Layout, 8-byte aligned: 17 bytes + the key, rounded up to 8 (40 bytes for a 23-byte YCSB key)
 *   0 cas (f64)   8 value offset / 8 (u32)   12 value length (u32; top bit: inline extras)
 *  16 key length (u8)   17 key bytes
 * or, when the item was written with flags or an exptime (the inline extras), 25 bytes + the key:
 *  16 flags (u32)   20 exptime (u32)   24 key length (u8)   25 key bytes
 * An item written without them that gets them later keeps its record (its ref is the handle
 * callers hold) and keeps them in LateExtras.
 *
 * A record is named by its ref = byte offset / 8 (a u32, so the arena spans up to 32 GiB);
 * value offsets are stored in 8-byte units too (data areas up to 32 GiB).
 */

/** Record header without and with the inline extras (flags, exptime). */
export const RECORD_HEADER_BYTES = 17;
export const RECORD_HEADER_WITH_EXTRAS_BYTES = 25;
export const MAX_KEY_BYTES = 250;
export const MAX_ARENA_BYTES = 32 * 1024 ** 3;
const RECORD_CHUNK_BYTES = 16 * 1024 * 1024;
const RECORD_SLAB_BYTES = 64 * 1024;
const WORDS_PER_CHUNK_LOG2 = Math.log2(RECORD_CHUNK_BYTES / 8);
const WORD_MASK = RECORD_CHUNK_BYTES / 8 - 1;
const INLINE_EXTRAS = 0x80000000;
const LENGTH_MASK = 0x7fffffff;

export interface ItemRecordsOptions {
  /** Bytes the arena may grow to (virtual until used); at most 32 GiB. */
  capacityBytes: number;
}

export class ItemRecords {
  readonly arena: DataArea;
  readonly allocator: Allocator;
  private readonly late = new LateExtras();
  // Typed views over each arena chunk, created with the chunk.
  private readonly f64: Float64Array[] = [];
  private readonly u32: Uint32Array[] = [];
  private readonly u8: Buffer[] = [];

  constructor(options: ItemRecordsOptions) {
    const capacityBytes = Math.floor(options.capacityBytes / RECORD_SLAB_BYTES) * RECORD_SLAB_BYTES;
    if (!(capacityBytes > 0 && capacityBytes <= MAX_ARENA_BYTES)) {
      throw new RangeError(`ItemRecords: capacityBytes must be in [${RECORD_SLAB_BYTES}, ${MAX_ARENA_BYTES}], found ${options.capacityBytes}`);
    }
    this.arena = new DataArea({ capacityBytes, chunkBytes: RECORD_CHUNK_BYTES });
    this.allocator = new Allocator({
      capacityBytes,
      slabBytes: RECORD_SLAB_BYTES,
      maxItemBytes: RECORD_HEADER_WITH_EXTRAS_BYTES + MAX_KEY_BYTES,
    });
  }

  /** Writes a new record; its ref, or -1 when the arena is full. The key is key[start, end). */
  add(key: Uint8Array, start: number, end: number, valueOffset: number, valueLength: number, flags: number, exptime: number, cas: number): number {
    const keyLength = end - start;
    const inline = flags !== 0 || exptime !== 0;
    const offset = this.allocator.alloc((inline ? RECORD_HEADER_WITH_EXTRAS_BYTES : RECORD_HEADER_BYTES) + keyLength);
    if (offset < 0) return -1;
    const ref = offset / 8;
    this.ensureViews(ref >>> WORDS_PER_CHUNK_LOG2);
    const u32 = this.u32[ref >>> WORDS_PER_CHUNK_LOG2];
    const w = (ref & WORD_MASK) << 1;
    u32[w + 3] = inline ? INLINE_EXTRAS : 0;
    this.setValue(ref, valueOffset, valueLength);
    if (inline) {
      u32[w + 4] = flags;
      u32[w + 5] = exptime;
    }
    this.setCas(ref, cas);
    const u8 = this.u8[ref >>> WORDS_PER_CHUNK_LOG2];
    const at = this.keyLengthAt(ref);
    u8[at] = keyLength;
    for (let i = 0; i < keyLength; i++) u8[at + 1 + i] = key[start + i];
    return ref;
  }

  /** Frees the record's slot for reuse. */
  remove(ref: number): void {
    const inline = this.hasInlineExtras(ref);
    if (!inline && this.late.count > 0) this.late.delete(ref);
    this.allocator.free(ref * 8, (inline ? RECORD_HEADER_WITH_EXTRAS_BYTES : RECORD_HEADER_BYTES) + this.keyLength(ref));
  }

  /** Calls fn with every live record's ref, in arena order; fn must not add or remove records. */
  forEachRef(fn: (ref: number) => void): void {
    this.allocator.forEachAllocated((offset) => fn(offset / 8));
  }

  /** Forgets every record. */
  clear(): void {
    this.allocator.reset();
    this.late.clear();
  }

  cas(ref: number): number {
    return this.f64[ref >>> WORDS_PER_CHUNK_LOG2][ref & WORD_MASK];
  }

  valueOffset(ref: number): number {
    return this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 2] * 8;
  }

  valueLength(ref: number): number {
    return this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 3] & LENGTH_MASK;
  }

  flags(ref: number): number {
    if (this.hasInlineExtras(ref)) return this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 4];
    return this.late.count === 0 ? 0 : this.late.flags(ref);
  }

  exptime(ref: number): number {
    if (this.hasInlineExtras(ref)) return this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 5];
    return this.late.count === 0 ? 0 : this.late.exptime(ref);
  }

  keyLength(ref: number): number {
    return this.u8[ref >>> WORDS_PER_CHUNK_LOG2][this.keyLengthAt(ref)];
  }

  /** A view of the record's key bytes (valid while the record lives). */
  key(ref: number): Buffer {
    const at = this.keyLengthAt(ref) + 1;
    return this.u8[ref >>> WORDS_PER_CHUNK_LOG2].subarray(at, at + this.keyLength(ref));
  }

  /** murmur3_32 of the record's key with `seed`, read in place (no view is made). */
  keyHash(ref: number, seed: number): number {
    const u8 = this.u8[ref >>> WORDS_PER_CHUNK_LOG2];
    const at = this.keyLengthAt(ref) + 1;
    return murmur3_32(u8, seed, at, at + u8[at - 1]);
  }

  /** Whether the record's key equals key[start, end). */
  keyEquals(ref: number, key: Uint8Array, start: number, end: number): boolean {
    const u8 = this.u8[ref >>> WORDS_PER_CHUNK_LOG2];
    const at = this.keyLengthAt(ref);
    const length = end - start;
    if (u8[at] !== length) return false;
    for (let i = 0; i < length; i++) if (u8[at + 1 + i] !== key[start + i]) return false;
    return true;
  }

  setCas(ref: number, cas: number): void {
    this.f64[ref >>> WORDS_PER_CHUNK_LOG2][ref & WORD_MASK] = cas;
  }

  /** Points the record at a value region; offset must be a multiple of 8 below 32 GiB, length below 2 GiB. */
  setValue(ref: number, offset: number, length: number): void {
    if (offset % 8 !== 0 || !(offset >= 0 && offset < MAX_ARENA_BYTES) || !(length >= 0 && length <= LENGTH_MASK)) {
      throw new RangeError(`ItemRecords: value region must start at a multiple of 8 below 32 GiB and be shorter than 2 GiB, found offset ${offset}, length ${length}`);
    }
    const u32 = this.u32[ref >>> WORDS_PER_CHUNK_LOG2];
    const w = (ref & WORD_MASK) << 1;
    u32[w + 2] = offset / 8;
    u32[w + 3] = (u32[w + 3] & INLINE_EXTRAS) | length;
  }

  setFlags(ref: number, flags: number): void {
    if (this.hasInlineExtras(ref)) this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 4] = flags;
    else if (flags !== 0 || this.late.count > 0) this.late.set(ref, flags, this.exptime(ref));
  }

  setExptime(ref: number, exptime: number): void {
    if (this.hasInlineExtras(ref)) this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 5] = exptime;
    else if (exptime !== 0 || this.late.count > 0) this.late.set(ref, this.flags(ref), exptime);
  }

  /** Bytes of record slots (arena high-water mark) and the arena allocator's bookkeeping. */
  footprintBytes(): number {
    return this.allocator.highWaterBytes + this.allocator.metadataBytes() + this.late.byteLength;
  }

  /** Records carved for items written with flags or an exptime have them inline. */
  private hasInlineExtras(ref: number): boolean {
    return (this.u32[ref >>> WORDS_PER_CHUNK_LOG2][((ref & WORD_MASK) << 1) + 3] & INLINE_EXTRAS) !== 0;
  }

  /** Where in its chunk the record's key length byte is (the key follows it). */
  private keyLengthAt(ref: number): number {
    return (ref & WORD_MASK) * 8 + (this.hasInlineExtras(ref) ? 24 : 16);
  }

  private ensureViews(chunk: number): void {
    if (this.u8[chunk] !== undefined) return;
    const buffer = this.arena.chunk(chunk);
    this.u8[chunk] = buffer;
    this.u32[chunk] = new Uint32Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 2);
    this.f64[chunk] = new Float64Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 3);
  }
}
