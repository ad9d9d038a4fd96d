import { Allocator, DEFAULT_SLAB_BYTES } from "./allocator.ts";
import { DataArea, DEFAULT_CHUNK_BYTES } from "./data-area.ts";
import { ItemIndex } from "./item-index.ts";
import { MAX_ARENA_BYTES, MAX_KEY_BYTES } from "./item-records.ts";
import type { ItemStore, StoreOptions, StoreStats } from "./types.ts";

/**
 * The plain-mode store: values in a DataArea carved by an Allocator, items in an ItemIndex.
 * set() copies the value into a fresh region, publishes the index entry, then frees the old
 * region, so a reader never sees a half-written value.
 *
 * The lower-level hooks (reserve / write into dataArea / publish / release) let a caller fill
 * a region straight from socket bytes, and let cocytus compute old XOR new in a region and
 * wait for parity acknowledgements before publishing.
 *
 * Gap: there is no eviction. When the data area (or the record arena) is full, set returns -1;
 * memcached would evict the least recently used items instead.
 */

export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

export interface StoreTuning {
  /** Size of one data-area ArrayBuffer (default 64 MiB, at least one slab page). */
  chunkBytes?: number;
  /** Slab page size (default 1 MiB, or the next power of two ≥ maxValueBytes). */
  slabBytes?: number;
  /** Bytes the item-record arena (keys + fixed fields) may grow to; virtual until used. */
  recordArenaBytes?: number;
  /**
   * Whether lookup removes an expired item it finds (default true). A cocytus data process
   * turns this off: it must remove items through its replicated delete path, so it treats an
   * expired item as missing and deletes it itself.
   */
  removeExpiredOnLookup?: boolean;
  /**
   * Whether each size class's first slab page is its home (default true; see Allocator): it lines
   * a class up across a cocytus group. false puts the first items at offset 0, as the slides draw them.
   */
  classHomes?: boolean;
  /**
   * Whether the index keeps its key → record table (default true). A cocytus metadata replica
   * does not: updates name the record they concern (replicatePut), and a recovery that serves
   * the keys builds the table then (buildIndex).
   */
  keyTable?: boolean;
}

export class Store implements ItemStore {
  readonly dataArea: DataArea;
  readonly allocator: Allocator;
  readonly index: ItemIndex;
  readonly maxValueBytes: number;
  readonly memoryBytes: number;
  private readonly removeExpiredOnLookup: boolean;
  private lastCas = 0;
  private liveValueBytes = 0;
  private totalItems = 0;

  constructor(options: StoreOptions & StoreTuning) {
    const { memoryBytes, maxValueBytes = DEFAULT_MAX_VALUE_BYTES, expectedItems = 0 } = options;
    if (!(Number.isSafeInteger(memoryBytes) && memoryBytes > 0 && memoryBytes <= MAX_ARENA_BYTES)) {
      throw new RangeError(`Store: memoryBytes must be a positive integer up to 32 GiB, found ${memoryBytes}`);
    }
    if (!(Number.isSafeInteger(maxValueBytes) && maxValueBytes >= 1 && maxValueBytes <= 2 ** 30)) {
      throw new RangeError(`Store: maxValueBytes must be an integer in [1, 2^30], found ${maxValueBytes}`);
    }
    let slabBytes = options.slabBytes ?? DEFAULT_SLAB_BYTES;
    while (slabBytes < maxValueBytes) slabBytes *= 2;
    if (memoryBytes < slabBytes) {
      throw new RangeError(`Store: memoryBytes must hold at least one ${slabBytes}-byte slab page, found ${memoryBytes}`);
    }
    const chunkBytes = Math.max(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, slabBytes);
    if (chunkBytes % slabBytes !== 0) {
      throw new RangeError(`Store: chunkBytes must be a multiple of the ${slabBytes}-byte slab page, found ${chunkBytes}`);
    }
    this.memoryBytes = memoryBytes;
    this.removeExpiredOnLookup = options.removeExpiredOnLookup ?? true;
    this.maxValueBytes = maxValueBytes;
    this.dataArea = new DataArea({ capacityBytes: memoryBytes, chunkBytes });
    this.allocator = new Allocator({ capacityBytes: memoryBytes, slabBytes, maxItemBytes: maxValueBytes, classHomes: options.classHomes ?? true });
    this.index = new ItemIndex({
      expectedItems,
      table: options.keyTable ?? true,
      recordArenaBytes: options.recordArenaBytes ?? Math.min(MAX_ARENA_BYTES, Math.max(4 * memoryBytes, 256 * 1024 * 1024)),
    });
  }

  lookup(key: Uint8Array, now: number, start = 0, end = key.length): number {
    const handle = this.index.find(key, start, end);
    if (handle < 0) return -1;
    const exptime = this.index.records.exptime(handle);
    if (exptime !== 0 && exptime <= now) {
      if (this.removeExpiredOnLookup) this.remove(handle);
      return -1;
    }
    return handle;
  }

  value(handle: number): Buffer {
    const records = this.index.records;
    return this.dataArea.view(records.valueOffset(handle), records.valueLength(handle));
  }

  valueLength(handle: number): number {
    return this.index.records.valueLength(handle);
  }

  /** Where the item's value lives in the data area. */
  valueOffset(handle: number): number {
    return this.index.records.valueOffset(handle);
  }

  flags(handle: number): number {
    return this.index.records.flags(handle);
  }

  exptime(handle: number): number {
    return this.index.records.exptime(handle);
  }

  cas(handle: number): number {
    return this.index.records.cas(handle);
  }

  /** A view of the item's key bytes. */
  key(handle: number): Buffer {
    return this.index.records.key(handle);
  }

  set(key: Uint8Array, value: Uint8Array, flags: number, exptime: number): number {
    checkKeyLength(key.length);
    const offset = this.reserve(value.length);
    if (offset < 0) return -1;
    this.dataArea.write(offset, value);
    const handle = this.publish(key, offset, value.length, flags, exptime);
    if (handle < 0) this.release(offset, value.length);
    return handle;
  }

  /**
   * Allocates a region for a value of `length` bytes without publishing anything; -1 when the
   * data area is full. Fill it through dataArea.view/write, then publish (or release) it.
   */
  reserve(length: number): number {
    if (!(Number.isInteger(length) && length >= 0 && length <= this.maxValueBytes)) {
      throw new RangeError(`Store: a value must be 0 to ${this.maxValueBytes} bytes long, found ${length}`);
    }
    return this.allocator.alloc(length);
  }

  /** Returns a reserved region that was never published. */
  release(offset: number, length: number): void {
    this.allocator.free(offset, length);
  }

  /**
   * Points key (key[keyStart, keyEnd)) at the filled region [offset, offset + length) with a
   * fresh CAS (or the given one, for replicas applying another process's updates). Frees the key's old region unless
   * it is the same region (a cocytus in-place update). Returns the handle, or -1 when the
   * record arena is full (the region stays reserved; release it).
   */
  publish(
    key: Uint8Array,
    offset: number,
    length: number,
    flags: number,
    exptime: number,
    cas?: number,
    keyStart = 0,
    keyEnd = key.length,
  ): number {
    const index = this.index;
    const hash = index.hash(key, keyStart, keyEnd);
    let handle = index.findHashed(hash, key, keyStart, keyEnd);
    const newCas = cas === undefined ? ++this.lastCas : cas;
    if (cas !== undefined && cas > this.lastCas) this.lastCas = cas;
    const storedExptime = normalizeExptime(exptime);
    if (handle >= 0) this.updateItem(handle, offset, length, flags, storedExptime, newCas);
    else {
      handle = index.insertHashed(hash, key, offset, length, flags, storedExptime, newCas, keyStart, keyEnd);
      if (handle < 0) return -1;
      this.liveValueBytes += length;
    }
    this.totalItems++;
    return handle;
  }

  /**
   * Applies another process's committed set, as its metadata replica reached by ref (built with
   * keyTable false): `ref` is the key's record before the set, -1 when the key had none. Claims
   * the region unless it is the item's current one and frees the old one; a new key gets a
   * record at the ref the data process's got (both arenas see the same allocations in the same
   * order). Returns the item's ref, or -1 when the record arena is full (the region is released).
   */
  replicatePut(ref: number, key: Uint8Array, offset: number, length: number, flags: number, exptime: number, cas: number): number {
    checkKeyLength(key.length);
    if (cas > this.lastCas) this.lastCas = cas;
    const storedExptime = normalizeExptime(exptime);
    if (ref >= 0) {
      if (this.index.records.valueOffset(ref) !== offset) this.allocator.claim(offset, length);
      this.updateItem(ref, offset, length, flags, storedExptime, cas);
    } else {
      this.allocator.claim(offset, length);
      const hash = this.index.hasTable ? this.index.hash(key) : 0;
      ref = this.index.insertHashed(hash, key, offset, length, flags, storedExptime, cas);
      if (ref < 0) {
        this.allocator.free(offset, length);
        return -1;
      }
      this.liveValueBytes += length;
    }
    this.totalItems++;
    return ref;
  }

  /** Builds the key → record table of a store made without one, so lookups by key work (a recovery serving a replica's keys). */
  buildIndex(): void {
    this.index.buildTable();
  }

  remove(handle: number): void {
    const records = this.index.records;
    const offset = records.valueOffset(handle);
    const length = records.valueLength(handle);
    this.index.remove(handle);
    this.allocator.free(offset, length);
    this.liveValueBytes -= length;
  }

  /** Changes the expiry time; the CAS stays (as memcached's touch). */
  touch(handle: number, exptime: number): void {
    this.index.records.setExptime(handle, normalizeExptime(exptime));
  }

  clear(): void {
    this.index.clear();
    this.allocator.reset();
    this.liveValueBytes = 0;
  }

  /** Points an existing item at [offset, offset + length) and frees its old region unless it is the same (in place). */
  private updateItem(handle: number, offset: number, length: number, flags: number, storedExptime: number, cas: number): void {
    const records = this.index.records;
    const oldOffset = records.valueOffset(handle);
    const oldLength = records.valueLength(handle);
    if (oldOffset === offset && this.allocator.slotSize(oldLength) !== this.allocator.slotSize(length)) {
      throw new Error(
        `Store: an in-place update must keep the slot size, but ${length} bytes need a ` +
          `${this.allocator.slotSize(length)}-byte slot and the region is a ${this.allocator.slotSize(oldLength)}-byte slot`,
      );
    }
    records.setValue(handle, offset, length);
    records.setFlags(handle, flags);
    records.setExptime(handle, storedExptime);
    records.setCas(handle, cas);
    if (oldOffset !== offset) this.allocator.free(oldOffset, oldLength);
    this.liveValueBytes += length - oldLength;
  }

  /** Calls fn with every item's handle, expired ones included; fn must not mutate the store. */
  forEachItem(fn: (handle: number) => void): void {
    this.index.forEach(fn);
  }

  /** The last CAS handed out (the next set gets a larger one). */
  get currentCas(): number {
    return this.lastCas;
  }

  stats(): StoreStats {
    return {
      curr_items: this.index.count,
      bytes: this.liveValueBytes,
      key_bytes: this.index.keyBytes,
      metadata_bytes: this.index.metadataBytes() + this.allocator.metadataBytes(),
      data_area_bytes: this.dataArea.touchedBytes,
      limit_maxbytes: this.memoryBytes,
      total_items: this.totalItems,
    };
  }
}

function checkKeyLength(length: number): void {
  if (!(length >= 1 && length <= MAX_KEY_BYTES)) {
    throw new RangeError(`Store: a key must be 1 to ${MAX_KEY_BYTES} bytes long, found ${length}`);
  }
}

/**
 * Exptime as stored: absolute seconds in a u32, 0 for never. The protocol turns relative and
 * negative times into absolute ones; a negative time that reaches the store means "already
 * expired" and is kept as 1 (any server time is later).
 */
function normalizeExptime(exptime: number): number {
  if (exptime < 0) return 1;
  if (!(exptime <= 0xffffffff)) return 0xffffffff;
  return Math.floor(exptime);
}
