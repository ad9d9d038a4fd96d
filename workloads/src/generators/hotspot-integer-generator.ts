// YCSB's HotspotIntegerGenerator: a fraction of the operations (hotOpnFraction) goes uniformly to
// the first hotsetFraction of [lowerBound, upperBound], the rest uniformly to the remainder.
// Like YCSB, out-of-range fractions become 0 and swapped bounds are swapped back (with a warning).

import type { SplittableRandom } from "../random/splittable-random.ts";
import { NumberGenerator, doubleToInt } from "./number-generator.ts";

export const HOTSPOT_DATA_FRACTION_DEFAULT = 0.2;
export const HOTSPOT_OPN_FRACTION_DEFAULT = 0.8;

export class HotspotIntegerGenerator extends NumberGenerator {
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly hotsetFraction: number;
  readonly hotOpnFraction: number;
  private readonly hotInterval: number;
  private readonly coldInterval: number;
  /** What YCSB would have printed to stderr while constructing. */
  readonly warnings: string[] = [];

  constructor(
    private readonly random: SplittableRandom,
    lowerBound: number,
    upperBound: number,
    hotsetFraction = HOTSPOT_DATA_FRACTION_DEFAULT,
    hotOpnFraction = HOTSPOT_OPN_FRACTION_DEFAULT,
  ) {
    super();
    if (!Number.isSafeInteger(lowerBound) || !Number.isSafeInteger(upperBound)) {
      throw new RangeError(`HotspotIntegerGenerator needs integer bounds, found ${lowerBound} and ${upperBound}`);
    }
    if (hotsetFraction < 0.0 || hotsetFraction > 1.0) {
      this.warnings.push("Hotset fraction out of range. Setting to 0.0");
      hotsetFraction = 0.0;
    }
    if (hotOpnFraction < 0.0 || hotOpnFraction > 1.0) {
      this.warnings.push("Hot operation fraction out of range. Setting to 0.0");
      hotOpnFraction = 0.0;
    }
    if (lowerBound > upperBound) {
      this.warnings.push("Upper bound of Hotspot generator smaller than the lower bound. Swapping the values.");
      [lowerBound, upperBound] = [upperBound, lowerBound];
    }
    this.lowerBound = lowerBound;
    this.upperBound = upperBound;
    this.hotsetFraction = hotsetFraction;
    this.hotOpnFraction = hotOpnFraction;
    const interval = upperBound - lowerBound + 1;
    // Java: (int) (interval * hotsetFraction): truncated, and saturated at 2^31 - 1 (a quirk kept:
    // over more than ~10^10 values the hot set stops growing).
    this.hotInterval = doubleToInt(interval * hotsetFraction);
    this.coldInterval = interval - this.hotInterval;
  }

  override nextValue(): number {
    // A zero-sized set makes Java's `% 0` throw ArithmeticException; so does this.
    let value: number;
    if (this.random.nextDouble() < this.hotOpnFraction) {
      if (this.hotInterval === 0) throw new RangeError("HotspotIntegerGenerator: the hot set is empty (/ by zero)");
      value = this.lowerBound + this.random.nextAbsLongMod(this.hotInterval);
    } else {
      if (this.coldInterval === 0) throw new RangeError("HotspotIntegerGenerator: the cold set is empty (/ by zero)");
      value = this.lowerBound + this.hotInterval + this.random.nextAbsLongMod(this.coldInterval);
    }
    this.setLastValue(value);
    return value;
  }

  override mean(): number {
    return (
      this.hotOpnFraction * (this.lowerBound + this.hotInterval / 2.0) +
      (1 - this.hotOpnFraction) * (this.lowerBound + this.hotInterval + this.coldInterval / 2.0)
    );
  }
}
