// YCSB's NumberGenerator: a source of numbers following some distribution. Java returns boxed
// longs; here every value is a JavaScript number, exact because all ranges stay below 2^53.

export abstract class NumberGenerator {
  // Java starts with null; NaN plays that part until a subclass records a value.
  private last = Number.NaN;

  /** The next value of the distribution (draws from the random stream). */
  abstract nextValue(): number;

  /** The expected value; throws where YCSB throws (non-stationary or unimplemented). */
  abstract mean(): number;

  /** The value the last nextValue() recorded; no draw, no side effect. */
  lastValue(): number {
    return this.last;
  }

  protected setLastValue(value: number): void {
    this.last = value;
  }
}

/** Java's `(int)` of a long (Number.intValue() on a Long): keeps the low 32 bits, signed. */
export function longToInt(value: number): number {
  return value | 0;
}

/** Java's `(int)` of a double (Number.intValue() on a Double): truncates, saturates, NaN → 0. */
export function doubleToInt(value: number): number {
  if (Number.isNaN(value)) return 0;
  if (value >= 2147483647) return 2147483647;
  if (value <= -2147483648) return -2147483648;
  return Math.trunc(value);
}
