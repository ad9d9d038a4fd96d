// YCSB's UniformLongGenerator: `Math.abs(nextLong()) % interval + lb`, slightly biased toward low
// values exactly as YCSB is.

import type { SplittableRandom } from "../random/splittable-random.ts";
import { NumberGenerator } from "./number-generator.ts";

export class UniformLongGenerator extends NumberGenerator {
  private readonly interval: number;

  /** Values in [lb, ub], both inclusive. */
  constructor(
    private readonly random: SplittableRandom,
    readonly lb: number,
    readonly ub: number,
  ) {
    super();
    if (!Number.isSafeInteger(lb) || !Number.isSafeInteger(ub) || ub < lb) {
      throw new RangeError(`UniformLongGenerator needs integers lb ≤ ub, found lb=${lb} ub=${ub}`);
    }
    this.interval = ub - lb + 1;
  }

  override nextValue(): number {
    const ret = this.random.nextAbsLongMod(this.interval) + this.lb;
    this.setLastValue(ret);
    return ret;
  }

  override mean(): number {
    return (this.lb + this.ub) / 2.0;
  }
}
