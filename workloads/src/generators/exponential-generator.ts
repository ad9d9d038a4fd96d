// YCSB's ExponentialGenerator: -ln(u) / gamma, skewed toward 0 with no upper bound.

import type { SplittableRandom } from "../random/splittable-random.ts";
import { NumberGenerator } from "./number-generator.ts";

export const EXPONENTIAL_PERCENTILE_DEFAULT = 95;
export const EXPONENTIAL_FRAC_DEFAULT = 0.8571428571; // 1/7, as YCSB writes it

export class ExponentialGenerator extends NumberGenerator {
  private constructor(
    private readonly random: SplittableRandom,
    private readonly gamma: number,
  ) {
    super();
  }

  /** ExponentialGenerator(mean): gamma = 1 / mean. */
  static withMean(random: SplittableRandom, mean: number): ExponentialGenerator {
    return new ExponentialGenerator(random, 1.0 / mean);
  }

  /** ExponentialGenerator(percentile, range): `percentile` % of the draws fall below `range`. */
  static withPercentile(random: SplittableRandom, percentile: number, range: number): ExponentialGenerator {
    return new ExponentialGenerator(random, -Math.log(1.0 - percentile / 100.0) / range);
  }

  /** A double, as in YCSB (the caller truncates). Does not record lastValue, as in YCSB. */
  override nextValue(): number {
    return -Math.log(this.random.nextDouble()) / this.gamma;
  }

  override mean(): number {
    return 1.0 / this.gamma;
  }
}
