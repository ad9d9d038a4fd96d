// YCSB's SequentialGenerator: countstart + (n mod interval) for n = 0, 1, ... (wraps around).

import { NumberGenerator } from "./number-generator.ts";

export class SequentialGenerator extends NumberGenerator {
  private counter = 0;
  private readonly interval: number;

  /** Cycles through [countStart, countEnd]. */
  constructor(
    private readonly countStart: number,
    countEnd: number,
  ) {
    super();
    if (!Number.isSafeInteger(countStart) || !Number.isSafeInteger(countEnd) || countEnd < countStart) {
      throw new RangeError(`SequentialGenerator needs integers start ≤ end, found ${countStart} and ${countEnd}`);
    }
    this.setLastValue(0);
    this.interval = countEnd - countStart + 1;
  }

  override nextValue(): number {
    const ret = this.countStart + (this.counter++ % this.interval);
    this.setLastValue(ret);
    return ret;
  }

  /** YCSB's quirk: the internal counter + 1, not the last value returned. */
  override lastValue(): number {
    return this.counter + 1;
  }

  override mean(): number {
    throw new Error("Can't compute mean of non-stationary distribution!");
  }
}
