// YCSB's SkewedLatestGenerator ("latest"): Zipfian over the age of items, so the most recently
// inserted items (the highest values of the basis counter) are the most popular.
// Kept quirks: the inner ZipfianGenerator(basis.lastValue()) covers lastValue items, so a draw
// lies in [1, max] — item 0 is never chosen; both constructors draw once.

import type { SplittableRandom } from "../random/splittable-random.ts";
import type { CounterGenerator } from "./counter-generator.ts";
import { NumberGenerator } from "./number-generator.ts";
import { ZipfianGenerator } from "./zipfian-generator.ts";

export class SkewedLatestGenerator extends NumberGenerator {
  private readonly zipfian: ZipfianGenerator;

  constructor(
    random: SplittableRandom,
    private readonly basis: CounterGenerator,
  ) {
    super();
    this.zipfian = ZipfianGenerator.ofItemCount(random, basis.lastValue());
    this.nextValue();
  }

  override nextValue(): number {
    const max = this.basis.lastValue();
    const next = max - this.zipfian.nextLong(max);
    this.setLastValue(next);
    return next;
  }

  override mean(): number {
    throw new Error("Can't compute mean of non-stationary distribution!");
  }
}
