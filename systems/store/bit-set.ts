/**
 * A growable set of small non-negative integers as bits in a Uint32Array, with a fast
 * "lowest member" query: the allocator's sets of free slots, of pages with free slots,
 * and of pooled pages. The hint `low` is a word below which no bit is set.
 */
export class BitSet {
  private words: Uint32Array;
  private low = 0;

  constructor(bits = 0) {
    this.words = new Uint32Array(Math.ceil(bits / 32));
  }

  /** Bits the set holds without growing. */
  get capacity(): number {
    return this.words.length * 32;
  }

  get byteLength(): number {
    return this.words.byteLength;
  }

  has(i: number): boolean {
    const word = i >>> 5;
    return word < this.words.length && (this.words[word] & (1 << (i & 31))) !== 0;
  }

  add(i: number): void {
    const word = i >>> 5;
    if (word >= this.words.length) this.grow(i + 1);
    this.words[word] |= 1 << (i & 31);
    if (word < this.low) this.low = word;
  }

  delete(i: number): void {
    const word = i >>> 5;
    if (word < this.words.length) this.words[word] &= ~(1 << (i & 31));
  }

  /** The smallest member, or -1 when the set is empty. */
  lowest(): number {
    const words = this.words;
    let word = this.low;
    while (word < words.length && words[word] === 0) word++;
    this.low = word;
    if (word === words.length) return -1;
    const bits = words[word];
    return (word << 5) + 31 - Math.clz32(bits & -bits);
  }

  /** The smallest member at or above `from`, or -1 when there is none. */
  next(from: number): number {
    const words = this.words;
    let word = Math.max(from >>> 5, this.low);
    if (word >= words.length) return -1;
    let bits = word === from >>> 5 ? words[word] & (~0 << (from & 31)) : words[word];
    while (bits === 0) {
      if (++word === words.length) return -1;
      bits = words[word];
    }
    return (word << 5) + 31 - Math.clz32(bits & -bits);
  }

  /** Makes the set exactly {0, 1, …, count - 1}, growing if needed. */
  fill(count: number): void {
    if (count > this.capacity) this.words = new Uint32Array(Math.ceil(count / 32));
    const full = count >>> 5;
    this.words.fill(0xffffffff, 0, full);
    this.words.fill(0, full);
    if ((count & 31) !== 0) this.words[full] = (1 << (count & 31)) - 1;
    this.low = 0;
  }

  /** Grows to hold at least `bits` bits (at least doubling), keeping the members. */
  grow(bits: number): void {
    if (bits <= this.capacity) return;
    const words = new Uint32Array(Math.max(Math.ceil(bits / 32), 2 * this.words.length));
    words.set(this.words);
    this.words = words;
  }
}
