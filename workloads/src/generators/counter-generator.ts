// YCSB's CounterGenerator: countstart, countstart + 1, ... (the load phase's key sequence).

import { NumberGenerator } from "./number-generator.ts";

export class CounterGenerator extends NumberGenerator {
  protected counter: number;

  constructor(countStart: number) {
    super();
    if (!Number.isSafeInteger(countStart)) throw new RangeError(`CounterGenerator needs an integer start, found ${countStart}`);
    this.counter = countStart;
  }

  override nextValue(): number {
    return this.counter++;
  }

  /** The last value handed out (countstart - 1 before the first). */
  override lastValue(): number {
    return this.counter - 1;
  }

  override mean(): number {
    throw new Error("Can't compute mean of non-stationary distribution!");
  }
}
