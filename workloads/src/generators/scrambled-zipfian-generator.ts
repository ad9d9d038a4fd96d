// YCSB's ScrambledZipfianGenerator: a Zipfian draw over a fixed, huge item space (10^10 items,
// zeta precomputed), hashed with FNV-1a and reduced modulo the item count. Popular items are
// scattered over [min, max] instead of clustered at min, and the popularity of an item does not
// depend on how many items there are.

import { fnvhash64Mod } from "../random/fnv-hash.ts";
import type { SplittableRandom } from "../random/splittable-random.ts";
import { NumberGenerator } from "./number-generator.ts";
import { ZIPFIAN_CONSTANT, ZipfianGenerator } from "./zipfian-generator.ts";

/** zeta(ITEM_COUNT, 0.99) as YCSB hard-codes it. */
export const SCRAMBLED_ZETAN = 26.46902820178302;
export const SCRAMBLED_ITEM_COUNT = 10_000_000_000;

export class ScrambledZipfianGenerator extends NumberGenerator {
  readonly min: number;
  readonly max: number;
  readonly itemCount: number;
  private readonly zipfian: ZipfianGenerator;

  /**
   * ScrambledZipfianGenerator(min, max[, constant]). As in YCSB, the inner generator is
   * ZipfianGenerator(0, ITEM_COUNT) — 10^10 + 1 items — and its constructor draws once. Any
   * constant other than 0.99 computes zeta over 10^10 items (hours), as YCSB would.
   */
  constructor(random: SplittableRandom, min: number, max: number, zipfianConstant = ZIPFIAN_CONSTANT) {
    super();
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`ScrambledZipfianGenerator needs integers min ≤ max, found min=${min} max=${max}`);
    }
    this.min = min;
    this.max = max;
    this.itemCount = max - min + 1;
    this.zipfian = new ZipfianGenerator(random, 0, SCRAMBLED_ITEM_COUNT, {
      zipfianConstant,
      zetan: zipfianConstant === ZIPFIAN_CONSTANT ? SCRAMBLED_ZETAN : undefined,
    });
  }

  override nextValue(): number {
    const ret = this.min + fnvhash64Mod(this.zipfian.nextValue(), this.itemCount);
    this.setLastValue(ret);
    return ret;
  }

  /** Scrambled values are (hopefully) uniform, so the mean is the middle of the range. */
  override mean(): number {
    return (this.min + this.max) / 2.0;
  }
}
