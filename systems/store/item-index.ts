import { murmur3_32 } from "../routing/murmur3.ts";
import { releaseBuffer } from "../runtime/release-buffer.ts";
import { ItemRecords, MAX_KEY_BYTES, MAX_ARENA_BYTES } from "./item-records.ts";

/**
 * The index: key → item record, an open-addressing hash table with linear probing and
 * backward-shift deletion (no tombstones). A slot is 5 bytes in two arrays: a one-byte tag
 * from the key's hash (0 = empty), so a probe that misses reads one byte and rarely a
 * record, and the record's ref (u32). A key's home slot is its hash scaled to the table size
 * (hash × slots / 2^32), so the table can have any size: it grows by half, not by doubling,
 * when it would pass maxLoad, and stays between ~57 % and 85 % full. That is ~6–9 bytes
 * per item; a doubled table of 8-byte slots cost 10–20 (DESIGN section 4: memory is the
 * product, and the table is a third of the metadata per item at Zipf sizes).
 * Growing and deleting need a moved entry's home: its hash is read again from the key in
 * its record (ItemRecords.keyHash), which is why the slot need not keep it.
 *
 * It knows nothing of a data area: a cocytus parity process uses one as the metadata replica
 * of a data process (key → value offset, length, flags, exptime, cas).
 * A handle is the record's ref; it stays valid until that item is removed.
 *
 * Without a table (`table: false`) it is the records alone, reached by ref: a metadata replica
 * is told which record each update concerns, so it needs no lookup by key until a recovery
 * serves the keys from it (buildTable). That saves the table's ~6–9 bytes per item in each replica.
 */

/** Routing hashes keys with seed 0; a different seed keeps the table's slots independent of routing. */
export const INDEX_HASH_SEED = 0x5bd1e995;
export const DEFAULT_MAX_LOAD = 0.85;
/** How much the table grows when it would pass maxLoad. */
export const GROWTH_FACTOR = 1.5;
const MIN_SLOTS = 16;
const TWO_TO_32 = 4294967296;

export interface ItemIndexOptions {
  /** Items expected, to size the table up front. */
  expectedItems?: number;
  /** Bytes the record arena may grow to (virtual until used; default 4 GiB). */
  recordArenaBytes?: number;
  /** Load factor that triggers growth (default 0.85). */
  maxLoad?: number;
  /** Whether to keep the key → record table (default true); without it, find throws until buildTable. */
  table?: boolean;
}

/** The slot's tag byte for a hash: never 0, which marks an empty slot. */
const tagOf = (hash: number) => hash & 0xff || 1;
/** Linear probing wraps around the end of the table. */
const nextSlot = (slot: number, slots: number) => (slot + 1 === slots ? 0 : slot + 1);
/** How many steps a probe from `from` takes to reach `to`. */
const probeDistance = (from: number, to: number, slots: number) => (to >= from ? to - from : to + slots - from);

export class ItemIndex {
  readonly records: ItemRecords;
  readonly maxLoad: number;
  private readonly initialSlots: number;
  private tags: Uint8Array;
  private refs: Uint32Array;
  private itemCount = 0;
  private keyByteCount = 0;
  private tableKept: boolean;

  constructor(options: ItemIndexOptions = {}) {
    const { expectedItems = 0, recordArenaBytes = 4 * 1024 ** 3, maxLoad = DEFAULT_MAX_LOAD } = options;
    if (!(maxLoad > 0.1 && maxLoad <= 0.95)) throw new RangeError(`ItemIndex: maxLoad must be in (0.1, 0.95], found ${maxLoad}`);
    if (!(Number.isSafeInteger(expectedItems) && expectedItems >= 0)) {
      throw new RangeError(`ItemIndex: expectedItems must be a non-negative integer, found ${expectedItems}`);
    }
    this.maxLoad = maxLoad;
    this.records = new ItemRecords({ capacityBytes: Math.min(recordArenaBytes, MAX_ARENA_BYTES) });
    this.initialSlots = Math.max(MIN_SLOTS, Math.ceil(expectedItems / maxLoad));
    this.tableKept = options.table ?? true;
    const slots = this.tableKept ? this.initialSlots : 0;
    this.tags = new Uint8Array(slots);
    this.refs = new Uint32Array(slots);
  }

  /** Whether the key → record table is kept (find works). */
  get hasTable(): boolean {
    return this.tableKept;
  }

  /** Builds the table from the live records (a replica about to serve its keys); no-op when it exists. */
  buildTable(): void {
    if (this.tableKept) return;
    this.tableKept = true;
    const slots = Math.max(this.initialSlots, Math.ceil((this.itemCount + 1) / this.maxLoad));
    this.tags = new Uint8Array(slots);
    this.refs = new Uint32Array(slots);
    this.records.forEachRef((ref) => this.place(ref, this.records.keyHash(ref, INDEX_HASH_SEED)));
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
    if (!this.tableKept) throw new Error("ItemIndex.find: this index keeps no table (a metadata replica is reached by ref; buildTable first)");
    const tags = this.tags;
    const slots = tags.length;
    const tag = tagOf(hash);
    for (let slot = this.home(hash); ; slot = nextSlot(slot, slots)) {
      const found = tags[slot];
      if (found === 0) return -1;
      if (found === tag && this.records.keyEquals(this.refs[slot], key, start, end)) return this.refs[slot];
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
    if (this.tableKept) {
      if (this.itemCount + 1 > this.maxLoad * this.tags.length) this.resize(Math.ceil(this.tags.length * GROWTH_FACTOR));
      this.place(ref, hash);
    }
    this.itemCount++;
    this.keyByteCount += keyLength;
    return ref;
  }

  /** Removes the item behind the handle from the table and frees its record. */
  remove(handle: number): void {
    const keyLength = this.records.keyLength(handle);
    if (this.tableKept) this.removeFromTable(handle);
    this.itemCount--;
    this.keyByteCount -= keyLength;
    this.records.remove(handle);
  }

  /** Calls fn with every live handle; fn must not add or remove items. */
  forEach(fn: (handle: number) => void): void {
    if (!this.tableKept) return this.records.forEachRef(fn);
    const { tags, refs } = this;
    for (let i = 0; i < tags.length; i++) if (tags[i] !== 0) fn(refs[i]);
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
    releaseBuffer(this.tags.buffer as ArrayBuffer);
    releaseBuffer(this.refs.buffer as ArrayBuffer);
    const slots = this.tableKept ? this.initialSlots : 0;
    this.tags = new Uint8Array(slots);
    this.refs = new Uint32Array(slots);
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
    return this.tags.length;
  }

  /** Table, record fields and record-arena bookkeeping: every byte of the index beyond the keys. */
  metadataBytes(): number {
    return this.tags.byteLength + this.refs.byteLength + this.records.footprintBytes() - this.keyByteCount;
  }

  /** Takes the handle's entry out of the table (backward-shift deletion). */
  private removeFromTable(handle: number): void {
    const { tags, refs } = this;
    const slots = tags.length;
    let hole = this.home(this.records.keyHash(handle, INDEX_HASH_SEED));
    while (tags[hole] === 0 || refs[hole] !== handle) {
      if (tags[hole] === 0) throw new Error(`ItemIndex.remove: handle ${handle} is not a live item`);
      hole = nextSlot(hole, slots);
    }
    // Backward-shift: pull later entries of the run into the hole when their home allows it.
    for (let slot = nextSlot(hole, slots); tags[slot] !== 0; slot = nextSlot(slot, slots)) {
      const home = this.home(this.records.keyHash(refs[slot], INDEX_HASH_SEED));
      if (probeDistance(home, slot, slots) >= probeDistance(hole, slot, slots)) {
        tags[hole] = tags[slot];
        refs[hole] = refs[slot];
        hole = slot;
      }
    }
    tags[hole] = 0;
    refs[hole] = 0;
  }

  /** The slot where a key with this hash starts its probe: hash × slots / 2^32, in [0, slots). */
  private home(hash: number): number {
    return Math.floor(((hash >>> 0) / TWO_TO_32) * this.tags.length);
  }

  private place(ref: number, hash: number): void {
    const { tags, refs } = this;
    const slots = tags.length;
    let slot = this.home(hash);
    while (tags[slot] !== 0) slot = nextSlot(slot, slots);
    tags[slot] = tagOf(hash);
    refs[slot] = ref;
  }

  private resize(slots: number): void {
    const { tags: oldTags, refs: oldRefs } = this;
    this.tags = new Uint8Array(slots);
    this.refs = new Uint32Array(slots);
    for (let i = 0; i < oldTags.length; i++) {
      if (oldTags[i] !== 0) this.place(oldRefs[i], this.records.keyHash(oldRefs[i], INDEX_HASH_SEED));
    }
    // The old table is garbage in V8's old generation: give its memory back now, not at the next full collection.
    releaseBuffer(oldTags.buffer as ArrayBuffer);
    releaseBuffer(oldRefs.buffer as ArrayBuffer);
  }
}
