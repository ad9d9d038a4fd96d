import { SizeClasses } from "./size-classes.ts";

/**
 * A slab allocator over a range of offsets [0, capacityBytes). It never touches the bytes it
 * manages: a cocytus parity process keeps a replica of a data process's allocator without
 * that process's data, and free-list links written into freed regions would change data
 * bytes behind the parity's back. So all state lives in typed arrays:
 *
 * - the range is cut into slab pages of slabBytes; a page is free (in the page pool) or
 *   belongs to one size class and holds floor(slabBytes / size) slots;
 * - per page: its class, live slot count, a bitmap of used slots, a hint of its lowest word
 *   with a free bit, and prev/next links of the one list it is in (its class's list of pages
 *   with free slots, or the pool);
 * - a page whose last slot is freed goes back to the pool, where any class can take it,
 *   so overwrites with changing sizes do not grow the area forever.
 *
 * alloc is deterministic: the same sequence of alloc/free calls gives the same offsets
 * (the lowest free slot of the class's most recently partial page, else the most recently
 * freed page, else a fresh page). claim marks one given region allocated, so a replica can
 * replay a data process's allocations or rebuild the state from the live items after recovery.
 */

export const DEFAULT_SLAB_BYTES = 1024 * 1024;

export interface AllocatorOptions {
  /** Offsets handed out lie in [0, capacityBytes). */
  capacityBytes: number;
  /** Size of a slab page, a power of two ≥ 1 KiB (default 1 MiB). */
  slabBytes?: number;
  /** Largest item (default slabBytes); its class must fit in one slab page. */
  maxItemBytes?: number;
}

const NONE = -1;

export class Allocator {
  readonly capacityBytes: number;
  readonly slabBytes: number;
  readonly classes: SizeClasses;
  /** Slab pages the range holds. */
  readonly pageCapacity: number;
  private readonly slotsPerPage: Int32Array;
  private readonly wordsPerPage: Int32Array;
  /** Per class, the first page of its list of pages with free slots. */
  private readonly classHead: Int32Array;
  private readonly classLiveSlots: Float64Array;

  // Per page (grown by doubling up to pageCapacity as fresh pages come into use).
  private pageClass: Int32Array = new Int32Array(0); // class + 1; 0 = in the pool
  private pageLive: Int32Array = new Int32Array(0);
  private pageHint: Int32Array = new Int32Array(0);
  private pageNext: Int32Array = new Int32Array(0);
  private pagePrev: Int32Array = new Int32Array(0);
  private bitmaps: (Uint32Array | undefined)[] = [];

  private poolHead = NONE;
  private poolPages = 0;
  /** Pages ever taken from the fresh end of the range: [0, freshPages) have been used. */
  private freshPages = 0;
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
    this.slotsPerPage = new Int32Array(n);
    this.wordsPerPage = new Int32Array(n);
    for (let c = 0; c < n; c++) {
      this.slotsPerPage[c] = Math.floor(slabBytes / this.classes.size(c));
      this.wordsPerPage[c] = Math.ceil(this.slotsPerPage[c] / 32);
    }
    this.classHead = new Int32Array(n).fill(NONE);
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
    let page = this.classHead[c];
    if (page === NONE) {
      page = this.takePage();
      if (page === NONE) return -1;
      this.assignPage(page, c);
    }
    const slot = this.takeLowestFreeSlot(page, c);
    return page * this.slabBytes + slot * this.classes.size(c);
  }

  /** Returns the region [offset, offset + length) that alloc or claim handed out. */
  free(offset: number, length: number): void {
    const c = this.classOrThrow("free", length);
    const { page, slot } = this.locate("free", offset, length, c);
    const bitmap = this.bitmaps[page]!;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    if ((bitmap[word] & bit) === 0) {
      throw new Error(`Allocator.free: region [${offset}, ${offset + length}) is not allocated (double free?)`);
    }
    bitmap[word] &= ~bit;
    if (word < this.pageHint[page]) this.pageHint[page] = word;
    const live = --this.pageLive[page];
    this.classLiveSlots[c]--;
    this.liveSlotCount--;
    this.liveSlotByteCount -= this.classes.size(c);
    if (live === this.slotsPerPage[c] - 1) this.pushFront(c, page); // it was full: has a free slot again
    if (live === 0) this.returnPage(c, page);
  }

  /**
   * Marks exactly the region [offset, offset + length) allocated, in the class its length
   * belongs to. Replaying a sequence of alloc results as claims (with the same frees in
   * between) reproduces the allocator's state, so later allocs agree too.
   */
  claim(offset: number, length: number): void {
    const c = this.classOrThrow("claim", length);
    const size = this.classes.size(c);
    const page = Math.floor(offset / this.slabBytes);
    if (!Number.isSafeInteger(offset) || offset < 0 || page >= this.pageCapacity) {
      throw new RangeError(`Allocator.claim: offset must be an integer in [0, ${this.pageCapacity * this.slabBytes}), found ${offset}`);
    }
    if (page >= this.freshPages || this.pageClass[page] === 0) {
      this.takeSpecificPage(page);
      this.assignPage(page, c);
    }
    const { slot } = this.locate("claim", offset, length, c);
    const bitmap = this.bitmaps[page]!;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    if ((bitmap[word] & bit) !== 0) {
      throw new Error(`Allocator.claim: region [${offset}, ${offset + length}) is already allocated`);
    }
    bitmap[word] |= bit;
    this.countAllocated(page, c, size);
  }

  /** Whether [offset, offset + length) is exactly an allocated slot of length's class. */
  isAllocated(offset: number, length: number): boolean {
    const c = this.classes.classOf(length);
    if (c < 0 || !Number.isSafeInteger(offset) || offset < 0) return false;
    const page = Math.floor(offset / this.slabBytes);
    if (page >= this.freshPages || this.pageClass[page] !== c + 1) return false;
    const within = offset - page * this.slabBytes;
    const size = this.classes.size(c);
    if (within % size !== 0) return false;
    const slot = within / size;
    return slot < this.slotsPerPage[c] && (this.bitmaps[page]![slot >>> 5] & (1 << (slot & 31))) !== 0;
  }

  /** Forgets every allocation (flush_all). */
  reset(): void {
    this.pageClass = new Int32Array(0);
    this.pageLive = new Int32Array(0);
    this.pageHint = new Int32Array(0);
    this.pageNext = new Int32Array(0);
    this.pagePrev = new Int32Array(0);
    this.bitmaps = [];
    this.classHead.fill(NONE);
    this.classLiveSlots.fill(0);
    this.poolHead = NONE;
    this.poolPages = 0;
    this.freshPages = 0;
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

  /** Bytes of the allocator's own bookkeeping (typed arrays and bitmaps). */
  metadataBytes(): number {
    let sum =
      this.pageClass.byteLength + this.pageLive.byteLength + this.pageHint.byteLength + this.pageNext.byteLength + this.pagePrev.byteLength;
    sum += this.slotsPerPage.byteLength + this.wordsPerPage.byteLength + this.classHead.byteLength + this.classLiveSlots.byteLength;
    for (const bitmap of this.bitmaps) if (bitmap !== undefined) sum += bitmap.byteLength;
    return sum;
  }

  private classOrThrow(operation: string, length: number): number {
    const c = this.classes.classOf(length);
    if (c < 0) {
      throw new RangeError(`Allocator.${operation}: length must be an integer in [0, ${this.classes.maxItemBytes}], found ${length}`);
    }
    return c;
  }

  /** The page and slot of an offset that must lie on a slot boundary of class c's page. */
  private locate(operation: string, offset: number, length: number, c: number): { page: number; slot: number } {
    const page = Math.floor(offset / this.slabBytes);
    if (!Number.isSafeInteger(offset) || offset < 0 || page >= this.freshPages || this.pageClass[page] === 0) {
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
    return { page, slot };
  }

  private takeLowestFreeSlot(page: number, c: number): number {
    const bitmap = this.bitmaps[page]!;
    let word = this.pageHint[page];
    while (bitmap[word] === 0xffffffff) word++;
    const bits = bitmap[word];
    const lowestZero = ~bits & (bits + 1);
    const slot = (word << 5) + (31 - Math.clz32(lowestZero));
    bitmap[word] = bits | lowestZero;
    this.pageHint[page] = word;
    this.countAllocated(page, c, this.classes.size(c));
    return slot;
  }

  private countAllocated(page: number, c: number, size: number): void {
    const live = ++this.pageLive[page];
    this.classLiveSlots[c]++;
    this.liveSlotCount++;
    this.liveSlotByteCount += size;
    if (live === this.slotsPerPage[c]) this.unlink(page, c); // full: off its class's list
  }

  /** A page for a class with no free slot: the most recently freed one, else a fresh one. */
  private takePage(): number {
    if (this.poolHead !== NONE) {
      const page = this.poolHead;
      this.unlink(page, NONE);
      this.poolPages--;
      return page;
    }
    if (this.freshPages >= this.pageCapacity) return NONE;
    this.growPageArrays(this.freshPages + 1);
    return this.freshPages++;
  }

  /** Takes exactly this page out of the pool (or the fresh range, pooling any skipped pages). */
  private takeSpecificPage(page: number): void {
    if (page < this.freshPages) {
      this.unlink(page, NONE);
      this.poolPages--;
      return;
    }
    this.growPageArrays(page + 1);
    for (let skipped = page - 1; skipped >= this.freshPages; skipped--) {
      this.pageClass[skipped] = 0;
      this.pushFront(NONE, skipped);
      this.poolPages++;
    }
    this.freshPages = page + 1;
  }

  private assignPage(page: number, c: number): void {
    const words = this.wordsPerPage[c];
    const old = this.bitmaps[page];
    // An empty page's bitmap is all zeros already; keep it when its size is about right.
    if (old === undefined || old.length < words || old.length > 2 * words) this.bitmaps[page] = new Uint32Array(words);
    this.pageClass[page] = c + 1;
    this.pageLive[page] = 0;
    this.pageHint[page] = 0;
    this.pushFront(c, page);
  }

  private returnPage(c: number, page: number): void {
    this.unlink(page, c);
    this.pageClass[page] = 0;
    this.pushFront(NONE, page);
    this.poolPages++;
  }

  /** Links page at the front of class c's list, or of the pool when c is NONE. */
  private pushFront(c: number, page: number): void {
    const head = c === NONE ? this.poolHead : this.classHead[c];
    this.pagePrev[page] = NONE;
    this.pageNext[page] = head;
    if (head !== NONE) this.pagePrev[head] = page;
    if (c === NONE) this.poolHead = page;
    else this.classHead[c] = page;
  }

  private unlink(page: number, c: number): void {
    const prev = this.pagePrev[page];
    const next = this.pageNext[page];
    if (prev !== NONE) this.pageNext[prev] = next;
    else if (c === NONE) this.poolHead = next;
    else this.classHead[c] = next;
    if (next !== NONE) this.pagePrev[next] = prev;
    this.pagePrev[page] = NONE;
    this.pageNext[page] = NONE;
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
    this.pageHint = grow(this.pageHint);
    this.pageNext = grow(this.pageNext);
    this.pagePrev = grow(this.pagePrev);
  }
}
