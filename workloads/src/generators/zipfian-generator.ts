// YCSB's ZipfianGenerator: the algorithm of Gray et al., "Quickly Generating Billion-Record
// Synthetic Databases" (SIGMOD 1994), with YCSB's incremental zeta and its quirks kept:
// - the constructor draws once;
// - the two shortcut returns (base, base + 1) do not update lastValue;
// - when the item count grows, zeta is extended incrementally but eta is recomputed with the
//   item count given at construction;
// - when the item count shrinks, nothing is recomputed unless allowItemCountDecrease is set.

import type { SplittableRandom } from "../random/splittable-random.ts";
import { NumberGenerator } from "./number-generator.ts";

export const ZIPFIAN_CONSTANT = 0.99;

export interface ZipfianOptions {
  /** The skew (theta); YCSB's default is 0.99. */
  zipfianConstant?: number;
  /** A precomputed zeta(items, theta); computed here (a loop over every item) when absent. */
  zetan?: number;
  /** Recompute zeta from scratch when nextLong is asked for fewer items (YCSB: always false). */
  allowItemCountDecrease?: boolean;
}

/** Σ_{i=st}^{n-1} 1/(i+1)^theta added to initialSum: YCSB's zetastatic, same order of additions. */
export function zetaStatic(st: number, n: number, theta: number, initialSum: number): number {
  let sum = initialSum;
  for (let i = st; i < n; i++) sum += 1 / Math.pow(i + 1, theta);
  return sum;
}

export class ZipfianGenerator extends NumberGenerator {
  readonly items: number;
  readonly base: number;
  readonly zipfianConstant: number;
  private readonly theta: number;
  private readonly alpha: number;
  private readonly zeta2theta: number;
  private readonly halfPowTheta: number;
  private zetan: number;
  private eta: number;
  private countForZeta: number;
  private readonly allowItemCountDecrease: boolean;

  /** ZipfianGenerator(min, max[, constant[, zetan]]): items min..max inclusive, min the most popular. */
  constructor(
    private readonly random: SplittableRandom,
    min: number,
    max: number,
    options: ZipfianOptions = {},
  ) {
    super();
    // max = min - 1 (no items) is allowed as in YCSB: zeta is 0 and every draw returns min.
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min - 1) {
      throw new RangeError(`ZipfianGenerator needs integers min ≤ max, found min=${min} max=${max}`);
    }
    this.items = max - min + 1;
    this.base = min;
    this.zipfianConstant = options.zipfianConstant ?? ZIPFIAN_CONSTANT;
    this.theta = this.zipfianConstant;
    this.allowItemCountDecrease = options.allowItemCountDecrease ?? false;
    this.zeta2theta = zetaStatic(0, 2, this.theta, 0);
    this.alpha = 1.0 / (1.0 - this.theta);
    this.zetan = options.zetan ?? zetaStatic(0, this.items, this.theta, 0);
    this.countForZeta = this.items;
    this.eta = this.computeEta();
    // Java evaluates Math.pow(0.5, theta) on every draw; it is a constant.
    this.halfPowTheta = Math.pow(0.5, this.theta);
    this.nextValue();
  }

  /** ZipfianGenerator(items): items 0..items-1. */
  static ofItemCount(random: SplittableRandom, items: number, options: ZipfianOptions = {}): ZipfianGenerator {
    return new ZipfianGenerator(random, 0, items - 1, options);
  }

  /** The next item when the distribution has `itemCount` items (YCSB's nextLong(itemcount)). */
  nextLong(itemCount: number): number {
    if (itemCount !== this.countForZeta) {
      if (itemCount > this.countForZeta) {
        this.zetan = zetaStatic(this.countForZeta, itemCount, this.theta, this.zetan);
        this.countForZeta = itemCount;
        this.eta = this.computeEta();
      } else if (itemCount < this.countForZeta && this.allowItemCountDecrease) {
        process.emitWarning(
          `Recomputing Zipfian distribution from scratch (itemcount=${itemCount} countforzeta=${this.countForZeta})`,
        );
        this.zetan = zetaStatic(0, itemCount, this.theta, 0);
        this.countForZeta = itemCount;
        this.eta = this.computeEta();
      }
    }
    const u = this.random.nextDouble();
    const uz = u * this.zetan;
    if (uz < 1.0) return this.base;
    if (uz < 1.0 + this.halfPowTheta) return this.base + 1;
    const ret = this.base + Math.trunc(itemCount * Math.pow(this.eta * u - this.eta + 1, this.alpha));
    this.setLastValue(ret);
    return ret;
  }

  override nextValue(): number {
    return this.nextLong(this.items);
  }

  override mean(): number {
    throw new Error("ZipfianGenerator.mean() is not implemented (as in YCSB)");
  }

  private computeEta(): number {
    // YCSB uses `items` (the constructor's count) here even after the count has grown.
    return (1 - Math.pow(2.0 / this.items, 1 - this.theta)) / (1 - this.zeta2theta / this.zetan);
  }
}
