// Unsigned 64-bit helpers on two uint32 halves (hi, lo). JavaScript numbers hold 53 bits exactly,
// BigInt is exact but allocates on every operation; the hot paths (SplitMix64, FNV-1a) use these.

const TWO_32 = 4294967296;

/** The exact value of the unsigned 64-bit number hi·2^32 + lo as a BigInt. */
export function uint64ToBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** (hi·2^32 + lo) mod m, exact, for an unsigned 64-bit dividend and 0 < m ≤ 2^53. */
export function uint64Mod(hi: number, lo: number, m: number): number {
  hi >>>= 0;
  lo >>>= 0;
  if (m <= 2097152) {
    // (hi mod m)·2^32 + lo < 2^53: one exact step.
    return exactMod((hi % m) * TWO_32 + lo, m);
  }
  if (m <= 137438953472) {
    // m ≤ 2^37: shift the high remainder in by 16 bits twice, each value stays below 2^53.
    let r = hi % m;
    r = exactMod(r * 65536, m);
    r = exactMod(r * 65536, m);
    return exactMod(r + lo, m);
  }
  return Number(uint64ToBigInt(hi, lo) % BigInt(m));
}

/**
 * x mod m for integers 0 ≤ x < 2^53, 0 < m: a division and a correction instead of `%`, which
 * V8 compiles to a call to fmod for values beyond int32.
 */
function exactMod(x: number, m: number): number {
  const r = x - Math.floor(x / m) * m; // the quotient may be off by one; the product stays exact
  if (r < 0) return r + m;
  if (r >= m) return r - m;
  return r;
}

/** The decimal digits of the unsigned 64-bit number hi·2^32 + lo, without BigInt. */
export function uint64ToDecimal(hi: number, lo: number): string {
  hi >>>= 0;
  lo >>>= 0;
  if (hi < 2097152) return String(hi * TWO_32 + lo); // below 2^53: exact as a double
  // Long division by 10^9 over four base-2^16 digits; every partial stays below 2^46.
  const billion = 1e9;
  const d3 = hi >>> 16;
  const d2 = hi & 0xffff;
  const d1 = lo >>> 16;
  const d0 = lo & 0xffff;
  let rest = d3;
  const q3 = Math.floor(rest / billion);
  rest = (rest % billion) * 65536 + d2;
  const q2 = Math.floor(rest / billion);
  rest = (rest % billion) * 65536 + d1;
  const q1 = Math.floor(rest / billion);
  rest = (rest % billion) * 65536 + d0;
  const q0 = Math.floor(rest / billion);
  const remainder = rest % billion;
  // The quotient is below 2^64 / 10^9 < 2^35, so it is exact as a double.
  const quotient = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
  return String(quotient) + String(remainder).padStart(9, "0");
}
