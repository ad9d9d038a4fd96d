// YCSB's DiscreteGenerator: picks one of a few values with given weights (the operation
// chooser: READ / UPDATE / INSERT / SCAN / READMODIFYWRITE). One nextDouble per pick.

import type { SplittableRandom } from "../random/splittable-random.ts";

export class DiscreteGenerator<V> {
  private readonly values: V[] = [];
  private readonly weights: number[] = [];
  // weight / sum per value, refreshed on addValue; Java divides on every pick, same result.
  private shares: number[] = [];
  private last: V | undefined;

  constructor(private readonly random: SplittableRandom) {}

  addValue(weight: number, value: V): void {
    this.values.push(value);
    this.weights.push(weight);
    let sum = 0;
    for (const w of this.weights) sum += w;
    this.shares = this.weights.map((w) => w / sum);
  }

  get size(): number {
    return this.values.length;
  }

  nextValue(): V {
    let val = this.random.nextDouble();
    for (let i = 0; i < this.shares.length; i++) {
      const pw = this.shares[i];
      if (val < pw) return this.values[i];
      val -= pw;
    }
    throw new Error(
      this.values.length === 0
        ? "DiscreteGenerator has no values to choose from"
        : "DiscreteGenerator: oops. should not get here.",
    );
  }

  /** YCSB's quirk: nextValue() never records its result; the first lastValue() draws one. */
  lastValue(): V {
    if (this.last === undefined) this.last = this.nextValue();
    return this.last;
  }
}
