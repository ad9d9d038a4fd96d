// YCSB's AcknowledgedCounterGenerator: a counter whose lastValue() only moves past a value once
// it and every value before it have been acknowledged (the insert has completed). Transaction
// reads use it so they never pick a key whose insert is still in flight. Pending
// acknowledgements live in a window of 2^20 slots, as in YCSB.

import { CounterGenerator } from "./counter-generator.ts";

export const ACK_WINDOW_SIZE = 1 << 20;
const WINDOW_MASK = ACK_WINDOW_SIZE - 1;

export class AcknowledgedCounterGenerator extends CounterGenerator {
  private readonly window = new Uint8Array(ACK_WINDOW_SIZE);
  private limit: number;

  constructor(countStart: number) {
    super(countStart);
    this.limit = countStart - 1;
  }

  /** The highest acknowledged value below which every value is acknowledged. */
  override lastValue(): number {
    return this.limit;
  }

  /** Marks `value` done; moves the limit over every contiguous acknowledged value. */
  acknowledge(value: number): void {
    // `& mask` on a number keeps the low bits of its 32-bit two's complement, like Java's on a long.
    const currentSlot = value & WINDOW_MASK;
    if (this.window[currentSlot] === 1) throw new Error("Too many unacknowledged insertion keys.");
    this.window[currentSlot] = 1;
    // Java takes a tryLock here; one thread always gets it. The loop condition compares an index
    // with a slot number, as YCSB's does; in practice the loop ends at the first unacknowledged slot.
    const beforeFirstSlot = this.limit & WINDOW_MASK;
    let index: number;
    for (index = this.limit + 1; index !== beforeFirstSlot; ++index) {
      const slot = index & WINDOW_MASK;
      if (this.window[slot] === 0) break;
      this.window[slot] = 0;
    }
    this.limit = index - 1;
  }
}
