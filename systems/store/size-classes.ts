/**
 * Size classes of the slab allocator. Fine enough that internal waste stays small for the
 * paper's value sizes (memcached's 1.25 growth factor wastes up to 20 %):
 * - 8-byte steps up to 1 KiB (8, 16, …, 1024), so Zipf 10 B–1 KB values waste at most 7 bytes;
 * - above 1 KiB, 64 linear steps per power of two (1040, 1056, …, 2048, 2080, …, 4096, …):
 *   at most 1/64 ≈ 1.6 % waste, and every power of two (4096, 16384, …) is a class of its own.
 * Every class size is a multiple of 8, so slots are 8-byte aligned.
 */

export const SMALL_STEP = 8;
export const SMALL_LIMIT = 1024;
export const STEPS_PER_OCTAVE = 64;
const SMALL_CLASSES = SMALL_LIMIT / SMALL_STEP;
const SMALL_LIMIT_LOG2 = 10;
const STEPS_LOG2 = 6;

/** The class of an item of `length` bytes on the unbounded grid (length ≥ 0, ≤ 2^30). */
export function sizeClassOf(length: number): number {
  if (length <= SMALL_LIMIT) return length <= SMALL_STEP ? 0 : ((length + SMALL_STEP - 1) >>> 3) - 1;
  const octave = 31 - Math.clz32(length - 1); // length lies in (2^octave, 2^(octave+1)]
  const stepLog2 = octave - STEPS_LOG2;
  const k = (length - (1 << octave) + (1 << stepLog2) - 1) >>> stepLog2; // 1..64
  return SMALL_CLASSES + (octave - SMALL_LIMIT_LOG2) * STEPS_PER_OCTAVE + k - 1;
}

/** The slot size of class c on the unbounded grid. */
export function sizeOfClass(c: number): number {
  if (c < SMALL_CLASSES) return (c + 1) * SMALL_STEP;
  const above = c - SMALL_CLASSES;
  const octave = SMALL_LIMIT_LOG2 + Math.floor(above / STEPS_PER_OCTAVE);
  const k = (above % STEPS_PER_OCTAVE) + 1;
  return 2 ** octave + k * 2 ** (octave - STEPS_LOG2);
}

/** The classes from 8 bytes up to the first class that holds maxItemBytes. */
export class SizeClasses {
  readonly maxItemBytes: number;
  readonly sizes: Int32Array;

  constructor(maxItemBytes: number) {
    if (!Number.isInteger(maxItemBytes) || maxItemBytes < 0 || maxItemBytes > 2 ** 30) {
      throw new RangeError(`SizeClasses: maxItemBytes must be an integer in [0, 2^30], found ${maxItemBytes}`);
    }
    this.maxItemBytes = maxItemBytes;
    const count = sizeClassOf(maxItemBytes) + 1;
    this.sizes = new Int32Array(count);
    for (let c = 0; c < count; c++) this.sizes[c] = sizeOfClass(c);
  }

  get count(): number {
    return this.sizes.length;
  }

  /** The class of an item of `length` bytes, or -1 when it is larger than maxItemBytes (or not a length). */
  classOf(length: number): number {
    if (!(length >= 0 && length <= this.maxItemBytes) || !Number.isInteger(length)) return -1;
    return sizeClassOf(length);
  }

  size(c: number): number {
    return this.sizes[c];
  }
}
