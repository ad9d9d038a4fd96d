import { BitSet } from "./bit-set.ts";
import { SizeClasses } from "./size-classes.ts";

/**
 * A slab allocator over a range of offsets [0, capacityBytes). It never touches the bytes it
 * manages: a cocytus parity process keeps a replica of a data process's allocator without
 * that process's data, and free-list links written into freed regions would change data
 * bytes behind the parity's back. So all state lives in typed arrays and bit sets:
 *
 * - the range is cut into slab pages of slabBytes; a page is in the pool (free) or belongs
 *   to one size class and holds floor(slabBytes / size) slots;
 * - per page: its class, its live slot count and the set of its free slots;
 *   per class: the set of its pages that have a free slot; the pool: the set of free pages;
 * - a page whose last slot is freed returns to the pool, where any class can take it,
 *   so overwrites with changing sizes do not grow the area forever.
 *
 * alloc is address-ordered first fit: the lowest free slot of the class's lowest page with
 * a free slot, else the lowest free page (pooled or fresh). That packs live items at low
 * offsets (pages drain and return to the pool) and makes the state canonical: it depends only
 * on which regions are allocated, not on the order of calls. So the same sequence of calls
 * gives the same offsets, and claim (mark one given region allocated) lets a replica replay a
 * data process's allocations, or rebuild the state from the live items after a recovery,
 * in any order.
 *
 * With class homes, class c's first page is page c (while it is free), and other pages come
 * from above the homes first. The data processes of a cocytus group each allocate for their
 * own keys, and without homes the classes take pages in the order each process first meets
 * them, so different classes sit at one offset on different processes. A class's last page is
 * partly used, and parity covers the union of what the group touched at an offset: with homes
 * the same class lines up across the group and the parity area stays near one data area's size.
 * Untouched pages cost no memory, so spreading the homes over the range is free.
 */

export const DEFAULT_SLAB_BYTES = 1024 * 1024;

export interface AllocatorOptions {
  /** Offsets handed out lie in [0, capacityBytes). */
  capacityBytes: number;
  /** Size of a slab page, a power of two ≥ 1 KiB (default 1 MiB). */
  slabBytes?: number;
  /** Largest item (default slabBytes); its class must fit in one slab page. */
  maxItemBytes?: number;
  /** Give each class a home page (see above), for the classes that fit in the first half of the range. */
  classHomes?: boolean;
}

const FREE = 0;

export class Allocator {
  readonly capacityBytes: number;
  readonly slabBytes: number;
  readonly classes: SizeClasses;
  /** Slab pages the range holds. */
  readonly pageCapacity: number;
  /** Pages [0, homePages) are the homes of classes [0, homePages); 0 without class homes. */
  readonly homePages: number;
  private readonly slotsPerPage: Int32Array;
  private readonly classLiveSlots: Float64Array;
  /** Per class, its pages with a free slot (created when the class gets its first page). */
  private partialPages: (BitSet | undefined)[] = [];
  /** Pages below freshPages that are free. */
  private pool = new BitSet();

  // Per page (grown by doubling up to pageCapacity as fresh pages come into use).
  private pageClass: Int32Array = new Int32Array(0); // class + 1; FREE = in the pool
  private pageLive: Int32Array = new Int32Array(0);
  /** The class whose slots a page's free-slot set was last filled for (class + 1). */
  private freeSlotsClass: Int32Array = new Int32Array(0);
  private freeSlots: (BitSet | undefined)[] = [];

  /** Pages ever taken from the fresh end of the range: [0, freshPages) have been used. */
  private freshPages = 0;
  private poolPages = 0;
  private liveSlotCount = 0;
  private liveSlotByteCount = 0;

  constructor(options: AllocatorOptions) {
    const { capacityBytes, slabBytes = DEFAULT_SLAB_BYTES } = options;
    const maxItemBytes = options.maxItemBytes ?? slabBytes;
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`Allocator: capacityBytes must be a non-negative integer, found ${capacityBytes}`);
    }
    if (!Number.isInteger(slabBytes) || slabBytes < 1024 || slabBytes > 2 ** 30 || (slabBytes & (slabBytes - 1)) !== 0) {
      throw new RangeError(`Allocator: slabBytes must be a power of two in [1024, 2^30], found ${slabBytes}`);
    }
    this.capacityBytes = capacityBytes;
    this.slabBytes = slabBytes;
    this.classes = new SizeClasses(maxItemBytes);
    const largest = this.classes.size(this.classes.count - 1);
    if (largest > slabBytes) {
      throw new RangeError(`Allocator: maxItemBytes ${maxItemBytes} needs a ${largest}-byte slot, larger than a ${slabBytes}-byte slab page`);
    }
    this.pageCapacity = Math.floor(capacityBytes / slabBytes);
    const n = this.classes.count;
    this.homePages = options.classHomes ? Math.min(n, Math.floor(this.pageCapacity / 2)) : 0;
    this.slotsPerPage = new Int32Array(n);
    for (let c = 0; c < n; c++) this.slotsPerPage[c] = Math.floor(slabBytes / this.classes.size(c));
    this.classLiveSlots = new Float64Array(n);
  }

  /** The slot size an item of `length` bytes occupies, or -1 when it is too large. */
  slotSize(length: number): number {
    const c = this.classes.classOf(length);
    return c < 0 ? -1 : this.classes.size(c);
  }

  /** An offset of a free slot for `length` bytes, now allocated; -1 when the range is full. */
  alloc(length: number): number {
    const c = this.classOrThrow("alloc", length);
    let page = this.partialPages[c]?.lowest() ?? -1;
    if (page < 0) {
      page = this.takePage(c);
      if (page < 0) return -1;
      this.assignPage(page, c);
    }
    const slot = this.freeSlots[page]!.lowest();
    this.markAllocated(page, slot, c);
    return page * this.slabBytes + slot * this.classes.size(c);
  }

  /** Returns the region [offset, offset + length) that alloc or claim handed out. */
  free(offset: number, length: number): void {
    const c = this.classOrThrow("free", length);
    const slot = this.locate("free", offset, length, c);
    const page = Math.floor(offset / this.slabBytes);
    const freeSlots = this.freeSlots[page]!;
    if (freeSlots.has(slot)) {
      throw new Error(`Allocator.free: region [${offset}, ${offset + length}) is not allocated (double free?)`);
    }
    freeSlots.add(slot);
    const live = --this.pageLive[page];
    this.classLiveSlots[c]--;
    this.liveSlotCount--;
    this.liveSlotByteCount -= this.classes.size(c);
    if (live === 0) {
      this.partialPages[c]!.delete(page);
      this.pageClass[page] = FREE;
      this.pool.add(page);
      this.poolPages++;
    } else if (live === this.slotsPerPage[c] - 1) {
      this.partialPages[c]!.add(page); // it was full
    }
  }

  /**
   * Marks exactly the region [offset, offset + length) allocated, in the class its length
   * belongs to. The state depends only on which regions are allocated, so claims replayed in
   * any order reproduce the allocator they came from, and later allocs agree with it.
   */
  claim(offset: number, length: number): void {
    const c = this.classOrThrow("claim", length);
    const page = Math.floor(offset / this.slabBytes);
    if (!Number.isSafeInteger(offset) || offset < 0 || page >= this.pageCapacity) {
      throw new RangeError(`Allocator.claim: offset must be an integer in [0, ${this.pageCapacity * this.slabBytes}), found ${offset}`);
    }
    if (page >= this.freshPages || this.pageClass[page] === FREE) {
      this.takeSpecificPage(page);
      this.assignPage(page, c);
    }
    const slot = this.locate("claim", offset, length, c);
    if (!this.freeSlots[page]!.has(slot)) {
      throw new Error(`Allocator.claim: region [${offset}, ${offset + length}) is already allocated`);
    }
    this.markAllocated(page, slot, c);
  }

  /** Whether [offset, offset + length) is exactly an allocated slot of length's class. */
  isAllocated(offset: number, length: number): boolean {
    const c = this.classes.classOf(length);
    if (c < 0 || !Number.isSafeInteger(offset) || offset < 0) return false;
    const page = Math.floor(offset / this.slabBytes);
    if (page >= this.freshPages || this.pageClass[page] !== c + 1) return false;
    const within = offset - page * this.slabBytes;
    const size = this.classes.size(c);
    if (within % size !== 0 || within / size >= this.slotsPerPage[c]) return false;
    return !this.freeSlots[page]!.has(within / size);
  }

  /** Calls fn with the offset of every allocated slot, lowest first; fn must not alloc, claim or free. */
  forEachAllocated(fn: (offset: number) => void): void {
    for (let page = 0; page < this.freshPages; page++) {
      const c = this.pageClass[page] - 1;
      if (c < 0) continue;
      const size = this.classes.size(c);
      const freeSlots = this.freeSlots[page]!;
      const base = page * this.slabBytes;
      for (let slot = 0, slots = this.slotsPerPage[c]; slot < slots; slot++) if (!freeSlots.has(slot)) fn(base + slot * size);
    }
  }

  /** Forgets every allocation (flush_all). */
  reset(): void {
    this.partialPages = [];
    this.pool = new BitSet();
    this.pageClass = new Int32Array(0);
    this.pageLive = new Int32Array(0);
    this.freeSlotsClass = new Int32Array(0);
    this.freeSlots = [];
    this.classLiveSlots.fill(0);
    this.freshPages = 0;
    this.poolPages = 0;
    this.liveSlotCount = 0;
    this.liveSlotByteCount = 0;
  }

  get liveSlots(): number {
    return this.liveSlotCount;
  }

  /** Bytes of all allocated slots (the items' bytes plus their rounding waste). */
  get liveSlotBytes(): number {
    return this.liveSlotByteCount;
  }

  /** Slab pages ever used times their size: the high-water mark of the range. */
  get highWaterBytes(): number {
    return this.freshPages * this.slabBytes;
  }

  /** Slab pages that hold at least one live slot. */
  get pagesInUse(): number {
    return this.freshPages - this.poolPages;
  }

  /** Allocated slots of class c. */
  classLive(c: number): number {
    return this.classLiveSlots[c];
  }

  /** Bytes of the allocator's own bookkeeping (typed arrays and bit sets). */
  metadataBytes(): number {
    let sum = this.pageClass.byteLength + this.pageLive.byteLength + this.freeSlotsClass.byteLength + this.pool.byteLength;
    sum += this.slotsPerPage.byteLength + this.classLiveSlots.byteLength;
    for (const set of this.partialPages) if (set !== undefined) sum += set.byteLength;
    for (const set of this.freeSlots) if (set !== undefined) sum += set.byteLength;
    return sum;
  }

  private classOrThrow(operation: string, length: number): number {
    const c = this.classes.classOf(length);
    if (c < 0) {
      throw new RangeError(`Allocator.${operation}: length must be an integer in [0, ${this.classes.maxItemBytes}], found ${length}`);
    }
    return c;
  }

  /** The slot (within its page) of an offset that must lie on a slot boundary of a class c page. */
  private locate(operation: string, offset: number, length: number, c: number): number {
    const page = Math.floor(offset / this.slabBytes);
    if (!Number.isSafeInteger(offset) || offset < 0 || page >= this.freshPages || this.pageClass[page] === FREE) {
      throw new Error(`Allocator.${operation}: offset ${offset} is not in a slab page in use`);
    }
    if (this.pageClass[page] !== c + 1) {
      const pageSize = this.classes.size(this.pageClass[page] - 1);
      throw new Error(
        `Allocator.${operation}: region [${offset}, ${offset + length}) needs a ${this.classes.size(c)}-byte slot, ` +
          `but its slab page holds ${pageSize}-byte slots`,
      );
    }
    const within = offset - page * this.slabBytes;
    const size = this.classes.size(c);
    const slot = within / size;
    if (!Number.isInteger(slot) || slot >= this.slotsPerPage[c]) {
      throw new Error(`Allocator.${operation}: offset ${offset} is not on a ${size}-byte slot boundary of its slab page`);
    }
    return slot;
  }

  private markAllocated(page: number, slot: number, c: number): void {
    this.freeSlots[page]!.delete(slot);
    const live = ++this.pageLive[page];
    this.classLiveSlots[c]++;
    this.liveSlotCount++;
    this.liveSlotByteCount += this.classes.size(c);
    if (live === this.slotsPerPage[c]) this.partialPages[c]!.delete(page); // full
  }

  /** A page for class c, which has no free slot: its home, else the lowest free page above the homes, else any; -1 when none is left. */
  private takePage(c: number): number {
    let page = c < this.homePages && this.isFreePage(c) ? c : this.lowestFreePage(this.homePages);
    if (page < 0 && this.homePages > 0) page = this.lowestFreePage(0);
    if (page >= 0) this.takeSpecificPage(page);
    return page;
  }

  private isFreePage(page: number): boolean {
    return page >= this.freshPages || this.pageClass[page] === FREE;
  }

  /** The lowest free page at or above `from` (a pooled one lies below every fresh one), or -1. */
  private lowestFreePage(from: number): number {
    const pooled = this.pool.next(from);
    if (pooled >= 0) return pooled;
    const fresh = Math.max(from, this.freshPages);
    return fresh < this.pageCapacity ? fresh : -1;
  }

  /** Takes exactly this page out of the pool, or out of the fresh range (pooling the pages it skips). */
  private takeSpecificPage(page: number): void {
    if (page < this.freshPages) {
      this.pool.delete(page);
      this.poolPages--;
      return;
    }
    this.growPageArrays(page + 1);
    for (let skipped = this.freshPages; skipped < page; skipped++) {
      this.pool.add(skipped);
      this.poolPages++;
    }
    this.freshPages = page + 1;
  }

  /** Gives an empty page to class c: all its slots free, and listed among c's pages with a free slot. */
  private assignPage(page: number, c: number): void {
    const slots = this.slotsPerPage[c];
    let freeSlots = this.freeSlots[page];
    // An emptied page's free set is already full for the class it last served.
    if (freeSlots === undefined || this.freeSlotsClass[page] !== c + 1) {
      if (freeSlots === undefined || freeSlots.capacity > 2 * Math.max(slots, 32)) freeSlots = this.freeSlots[page] = new BitSet(slots);
      freeSlots.fill(slots);
      this.freeSlotsClass[page] = c + 1;
    }
    this.pageClass[page] = c + 1;
    this.pageLive[page] = 0;
    (this.partialPages[c] ??= new BitSet(this.pageClass.length)).add(page);
  }

  private growPageArrays(needed: number): void {
    if (needed <= this.pageClass.length) return;
    const size = Math.min(this.pageCapacity, Math.max(needed, 2 * this.pageClass.length, 16));
    const grow = (old: Int32Array): Int32Array => {
      const next = new Int32Array(size);
      next.set(old);
      return next;
    };
    this.pageClass = grow(this.pageClass);
    this.pageLive = grow(this.pageLive);
    this.freeSlotsClass = grow(this.freeSlotsClass);
  }
}
