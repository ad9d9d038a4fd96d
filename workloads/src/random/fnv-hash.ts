// YCSB's Utils.fnvhash64: FNV-1a over the 8 little-endian bytes of a Java long, then Math.abs.
// It names keys ("user" + fnvhash64(keynum)) and scrambles ScrambledZipfianGenerator's draws.
// Computed on uint32 halves; FNV_PRIME_64 = 2^40 + 0x1b3 makes the multiply two cheap terms.

import { uint64Mod, uint64ToBigInt, uint64ToDecimal } from "./uint64.ts";

const OFFSET_BASIS_HI = 0xcbf29ce4 | 0;
const OFFSET_BASIS_LO = 0x84222325 | 0;
const PRIME_LOW_BITS = 0x1b3;
const TWO_32 = 4294967296;
const LONG_MIN = -(1n << 63n);

// Result of the last hashInto call: |hash| as int32 halves (uint32 bits), and whether it is Long.MIN_VALUE
// (whose Math.abs stays negative in Java).
let hashHi = 0;
let hashLo = 0;
let hashIsLongMin = false;

function hashInto(val: number): void {
  if (!Number.isSafeInteger(val)) throw new RangeError(`fnvhash64 needs an integer, found ${val}`);
  // Two's complement int32 halves of val; Math.floor keeps negative numbers sign-extended.
  let vHi = Math.floor(val / TWO_32) | 0;
  let vLo = val | 0;
  let hi = OFFSET_BASIS_HI;
  let lo = OFFSET_BASIS_LO;
  for (let i = 0; i < 8; i++) {
    lo ^= vLo & 0xff;
    vLo = (vLo >>> 8) | (vHi << 24);
    vHi >>= 8; // arithmetic shift, as Java's `val >> 8`
    // (hi·2^32 + lo)·(2^40 + 0x1b3) mod 2^64, with lo·0x1b3 done in 16-bit halves.
    const a = (lo & 0xffff) * PRIME_LOW_BITS; // < 2^25
    const b = (lo >>> 16) * PRIME_LOW_BITS; // < 2^25
    const mid = (a >>> 16) + (b & 0xffff);
    const carry = (b >>> 16) + (mid >>> 16);
    hi = (Math.imul(hi, PRIME_LOW_BITS) + carry + (lo << 8)) | 0;
    lo = ((mid & 0xffff) << 16) | (a & 0xffff);
  }
  hashIsLongMin = false;
  if (hi < 0) {
    // Math.abs of a negative long: two's complement negation.
    lo = (~lo + 1) | 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
    hashIsLongMin = hi < 0;
  }
  hashHi = hi;
  hashLo = lo;
}

/** Utils.fnvhash64(val), exact, as a bigint (negative only for Long.MIN_VALUE, as in Java). */
export function fnvhash64(val: number): bigint {
  hashInto(val);
  return hashIsLongMin ? LONG_MIN : uint64ToBigInt(hashHi, hashLo);
}

/** Utils.fnvhash64(val) % m with Java's remainder sign, exact, for 0 < m ≤ 2^53. */
export function fnvhash64Mod(val: number, m: number): number {
  hashInto(val);
  if (hashIsLongMin) return Number(LONG_MIN % BigInt(m));
  return uint64Mod(hashHi, hashLo, m);
}

/** Long.toString(Utils.fnvhash64(val)): the decimal digits YCSB puts in hashed key names. */
export function fnvhash64Decimal(val: number): string {
  hashInto(val);
  if (hashIsLongMin) return LONG_MIN.toString();
  return uint64ToDecimal(hashHi, hashLo);
}
