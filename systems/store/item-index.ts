import { murmur3_32 } from "../routing/murmur3.ts";
import { releaseBuffer } from "../runtime/release-buffer.ts";
import { ItemRecords, MAX_KEY_BYTES, MAX_ARENA_BYTES } from "./item-records.ts";

/**
 * The index: key → item record, an open-addressing hash table with linear probing and
 * backward-shift deletion (no tombstones), doubled when it would pass maxLoad. A slot is two
 * u32 in one array: the record's ref + 1 (0 = empty) and the key's hash (so probes compare
 * hashes before keys, and growth never re-reads keys).
 *
 * It knows nothing of a data area: a cocytus parity process uses one as the metadata replica
 * of a data process (key → value offset, length, flags, exptime, cas).
 * A handle is the record's ref; it stays valid until that item is removed.
 */

/** Routing hashes keys with seed 0; a different seed keeps the table's slots independent of routing. */
export const INDEX_HASH_SEED = 0x5bd1e995;
export const DEFAULT_MAX_LOAD = 0.8;
const MIN_SLOTS = 16;

export interface ItemIndexOptions {
  /** Items expected, to size the table up front. */
  expectedItems?: number;
  /** Bytes the record arena may grow to (virtual until used; default 4 GiB). */
  recordArenaBytes?: number;
  /** Load factor that triggers doubling (default 0.8). */
  maxLoad?: number;
}

export class ItemIndex {
  readonly records: ItemRecords;
  readonly maxLoad: number;
  private readonly initialSlots: number;
  private table: Uint32Array;
  private mask: number;
  private itemCount = 0;
  private keyByteCount = 0;

  constructor(options: ItemIndexOptions = {}) {
    const { expectedItems = 0, recordArenaBytes = 4 * 1024 ** 3, maxLoad = DEFAULT_MAX_LOAD } = options;
    if (!(maxLoad > 0.1 && maxLoad <= 0.95)) throw new RangeError(`ItemIndex: maxLoad must be in (0.1, 0.95], found ${maxLoad}`);
    if (!(Number.isSafeInteger(expectedItems) && expectedItems >= 0)) {
      throw new RangeError(`ItemIndex: expectedItems must be a non-negative integer, found ${expectedItems}`);
    }
    this.maxLoad = maxLoad;
    this.records = new ItemRecords({ capacityBytes: Math.min(recordArenaBytes, MAX_ARENA_BYTES) });
    let slots = MIN_SLOTS;
    while (slots * maxLoad < expectedItems) slots *= 2;
    this.initialSlots = slots;
    this.table = new Uint32Array(2 * slots);
    this.mask = slots - 1;
  }

  /** The index's hash of key[start, end). */
  hash(key: Uint8Array, start = 0, end = key.length): number {
    return murmur3_32(key, INDEX_HASH_SEED, start, end);
  }

  /** The handle of the item with key[start, end), or -1. */
  find(key: Uint8Array, start = 0, end = key.length): number {
    return this.findHashed(this.hash(key, start, end), key, start, end);
  }

  /** find, with the key's hash already computed by hash(). */
  findHashed(hash: number, key: Uint8Array, start = 0, end = key.length): number {
    const table = this.table;
    const mask = this.mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = table[2 * slot];
      if (entry === 0) return -1;
      if (table[2 * slot + 1] === hash && this.records.keyEquals(entry - 1, key, start, end)) return entry - 1;
    }
  }

  /**
   * Adds an item whose key is not in the index (check with find first); its handle, or -1
   * when the record arena is full.
   */
  insert(key: Uint8Array, valueOffset: number, valueLength: number, flags: number, exptime: number, cas: number, start = 0, end = key.length): number {
    return this.insertHashed(this.hash(key, start, end), key, valueOffset, valueLength, flags, exptime, cas, start, end);
  }

  /** insert, with the key's hash already computed by hash(). */
  insertHashed(
    hash: number,
    key: Uint8Array,
    valueOffset: number,
    valueLength: number,
    flags: number,
    exptime: number,
    cas: number,
    start = 0,
    end = key.length,
  ): number {
    const keyLength = end - start;
    if (!(keyLength >= 1 && keyLength <= MAX_KEY_BYTES)) {
      throw new RangeError(`ItemIndex: a key must be 1 to ${MAX_KEY_BYTES} bytes long, found ${keyLength}`);
    }
    const ref = this.records.add(key, start, end, valueOffset, valueLength, flags, exptime, cas);
    if (ref < 0) return -1;
    if (this.itemCount + 1 > this.maxLoad * (this.mask + 1)) this.resize(2 * (this.mask + 1));
    this.place(ref, hash);
    this.itemCount++;
    this.keyByteCount += keyLength;
    return ref;
  }

  /** Removes the item behind the handle from the table and frees its record. */
  remove(handle: number): void {
    const table = this.table;
    const mask = this.mask;
    const key = this.records.key(handle);
    const hash = this.hash(key);
    let hole = hash & mask;
    while (table[2 * hole] !== handle + 1) {
      if (table[2 * hole] === 0) throw new Error(`ItemIndex.remove: handle ${handle} is not a live item`);
      hole = (hole + 1) & mask;
    }
    // Backward-shift: pull later entries of the run into the hole when their home allows it.
    for (let next = (hole + 1) & mask; table[2 * next] !== 0; next = (next + 1) & mask) {
      const home = table[2 * next + 1] & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        table[2 * hole] = table[2 * next];
        table[2 * hole + 1] = table[2 * next + 1];
        hole = next;
      }
    }
    table[2 * hole] = 0;
    table[2 * hole + 1] = 0;
    this.itemCount--;
    this.keyByteCount -= key.length;
    this.records.remove(handle);
  }

  /** Calls fn with every live handle; fn must not add or remove items. */
  forEach(fn: (handle: number) => void): void {
    const table = this.table;
    for (let i = 0; i < table.length; i += 2) if (table[i] !== 0) fn(table[i] - 1);
  }

  /** The handles of all items, as a snapshot that later mutations do not disturb. */
  handles(): Uint32Array {
    const out = new Uint32Array(this.itemCount);
    let n = 0;
    this.forEach((handle) => (out[n++] = handle));
    return out;
  }

  /** Removes every item. */
  clear(): void {
    releaseBuffer(this.table.buffer as ArrayBuffer);
    this.table = new Uint32Array(2 * this.initialSlots);
    this.mask = this.initialSlots - 1;
    this.itemCount = 0;
    this.keyByteCount = 0;
    this.records.clear();
  }

  get count(): number {
    return this.itemCount;
  }

  /** Bytes of all live keys. */
  get keyBytes(): number {
    return this.keyByteCount;
  }

  get slots(): number {
    return this.mask + 1;
  }

  /** Table, record fields and record-arena bookkeeping: every byte of the index beyond the keys. */
  metadataBytes(): number {
    return this.table.byteLength + this.records.footprintBytes() - this.keyByteCount;
  }

  private place(ref: number, hash: number): void {
    const table = this.table;
    const mask = this.mask;
    let slot = hash & mask;
    while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = ref + 1;
    table[2 * slot + 1] = hash;
  }

  private resize(slots: number): void {
    const old = this.table;
    this.table = new Uint32Array(2 * slots);
    this.mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i] - 1, old[i + 1]);
    // The old table is garbage in V8's old generation: give its memory back now, not at the next full collection.
    releaseBuffer(old.buffer as ArrayBuffer);
  }
}
