// java.util.SplittableRandom (SplitMix64) ported exactly, so that a seeded run draws the same
// numbers as YCSB would with its ThreadLocalRandom.current() replaced by one
// `new SplittableRandom(seed)` stream. The 64-bit state is kept as two 32-bit halves: BigInt
// would be exact too but allocates on every draw, and generators draw millions of times a second.

import { uint64Mod, uint64ToBigInt } from "./uint64.ts";

// All 64-bit quantities are two int32 halves (signed representation, same bits as uint32): V8
// keeps int32 arithmetic in registers and in Smi fields, where uint32 above 2^31 becomes a double.

// GOLDEN_GAMMA = 0x9e3779b97f4a7c15, the increment of the seed for every draw.
const GAMMA_HI = 0x9e3779b9 | 0;
const GAMMA_LO = 0x7f4a7c15;
// mix64 multipliers 0xbf58476d1ce4e5b9 and 0x94d049bb133111eb (Stafford's variant 13).
const MIX64_A_HI = 0xbf58476d | 0;
const MIX64_A_LO = 0x1ce4e5b9;
const MIX64_B_HI = 0x94d049bb | 0;
const MIX64_B_LO = 0x133111eb;
// mix32 multipliers 0x62a9d9ed799705f5 and 0xcb24d0a5c88c35b3.
const MIX32_A_HI = 0x62a9d9ed;
const MIX32_A_LO = 0x799705f5;
const MIX32_B_HI = 0xcb24d0a5 | 0;
const MIX32_B_LO = 0xc88c35b3 | 0;

const DOUBLE_UNIT = 1 / 9007199254740992; // 2^-53
const INT_MAX = 2147483647;

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

export class SplittableRandom {
  private seedHi: number;
  private seedLo: number;
  // The 64-bit result of the last mul64 / mix64, as int32 halves (scratch, avoids allocation).
  private zHi = 0;
  private zLo = 0;

  /** Same as Java's `new SplittableRandom(seed)`; the seed is a Java long (number or bigint). */
  constructor(seed: number | bigint) {
    if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
      throw new RangeError(`SplittableRandom seed must be an integer, found ${seed}`);
    }
    const s = BigInt.asUintN(64, BigInt(seed));
    if (typeof seed === "bigint" && (seed < LONG_MIN || seed > LONG_MAX)) {
      throw new RangeError(`SplittableRandom seed must fit a Java long, found ${seed}`);
    }
    this.seedHi = Number(BigInt.asIntN(32, s >> 32n));
    this.seedLo = Number(BigInt.asIntN(32, s));
  }

  /** nextLong(): a uniformly distributed Java long, exact, as a bigint. */
  nextLong(): bigint;
  /** nextLong(bound): a long in [0, bound), Java's rejection loop included. */
  nextLong(bound: bigint | number): bigint;
  nextLong(bound?: bigint | number): bigint {
    if (bound === undefined) {
      this.nextMix64();
      return BigInt.asIntN(64, uint64ToBigInt(this.zHi, this.zLo));
    }
    const b = BigInt(bound);
    if (b <= 0n) throw new RangeError(`bound must be positive, found ${bound}`);
    let r = this.nextLong();
    const m = b - 1n;
    if ((b & m) === 0n) return r & m; // power of two
    // Reject over-represented candidates: u + m - (u % b) overflows a Java long.
    for (let u = BigInt.asUintN(64, r) >> 1n; ; u = BigInt.asUintN(64, this.nextLong()) >> 1n) {
      r = u % b;
      if (BigInt.asIntN(64, u + m - r) >= 0n) return r;
    }
  }

  /** nextInt(): a uniformly distributed Java int. */
  nextInt(): number;
  /** nextInt(bound): an int in [0, bound). */
  nextInt(bound: number): number;
  /** nextInt(origin, bound): an int in [origin, bound). */
  nextInt(origin: number, bound: number): number;
  nextInt(a?: number, b?: number): number {
    if (a === undefined) return this.nextMix32();
    if (b === undefined) return this.nextIntBelow(a);
    return this.nextIntBetween(a, b);
  }

  /** nextDouble(): (mix64 >>> 11) · 2^-53, in [0, 1). */
  nextDouble(): number {
    this.nextMix64();
    return ((this.zHi >>> 0) * 2097152 + (this.zLo >>> 11)) * DOUBLE_UNIT;
  }

  /**
   * YCSB's idiom `Math.abs(random.nextLong()) % m` (UniformLongGenerator, HotspotIntegerGenerator),
   * exact for 0 < m ≤ 2^53 without BigInt. Like Java, Long.MIN_VALUE stays negative and gives a
   * negative remainder (probability 2^-64).
   */
  nextAbsLongMod(m: number): number {
    this.nextMix64();
    let hi = this.zHi;
    let lo = this.zLo;
    if (hi < 0) {
      // Two's complement negation.
      lo = (~lo + 1) | 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
      if (hi < 0) return Number(LONG_MIN % BigInt(m));
    }
    return uint64Mod(hi, lo, m);
  }

  private nextIntBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > INT_MAX) {
      throw new RangeError(`bound must be a positive Java int, found ${bound}`);
    }
    let r = this.nextMix32();
    const m = bound - 1;
    if ((bound & m) === 0) return r & m;
    // Java: for (u = r >>> 1; u + m - (r = u % bound) < 0; u = nextInt() >>> 1); in int arithmetic.
    for (let u = r >>> 1; ; u = this.nextMix32() >>> 1) {
      r = u % bound;
      if (u + m - r <= INT_MAX) return r;
    }
  }

  private nextIntBetween(origin: number, bound: number): number {
    if (!Number.isInteger(origin) || !Number.isInteger(bound) || origin < -INT_MAX - 1 || bound > INT_MAX) {
      throw new RangeError(`origin and bound must be Java ints, found ${origin} and ${bound}`);
    }
    if (origin >= bound) throw new RangeError(`bound must be greater than origin, found ${origin} and ${bound}`);
    let r = this.nextMix32();
    const n = (bound - origin) | 0;
    const m = (n - 1) | 0;
    if ((n & m) === 0) return ((r & m) + origin) | 0;
    if (n > 0) {
      for (let u = r >>> 1; ; u = this.nextMix32() >>> 1) {
        r = u % n;
        if (u + m - r <= INT_MAX) return (r + origin) | 0;
      }
    }
    // The range does not fit an int: draw until inside.
    while (r < origin || r >= bound) r = this.nextMix32();
    return r;
  }

  /** seed += GOLDEN_GAMMA; z = mix64(seed), left in zHi/zLo. */
  private nextMix64(): void {
    this.advanceSeed();
    let hi = this.seedHi;
    let lo = this.seedLo;
    // z = (z ^ (z >>> 30)) * A
    lo ^= (lo >>> 30) | (hi << 2);
    hi ^= hi >>> 30;
    this.mul64(hi, lo, MIX64_A_HI, MIX64_A_LO);
    hi = this.zHi;
    lo = this.zLo;
    // z = (z ^ (z >>> 27)) * B
    lo ^= (lo >>> 27) | (hi << 5);
    hi ^= hi >>> 27;
    this.mul64(hi, lo, MIX64_B_HI, MIX64_B_LO);
    hi = this.zHi;
    lo = this.zLo;
    // z ^ (z >>> 31)
    this.zLo = lo ^ ((lo >>> 31) | (hi << 1));
    this.zHi = hi ^ (hi >>> 31);
  }

  /** seed += GOLDEN_GAMMA; returns mix32(seed) as a signed int. */
  private nextMix32(): number {
    this.advanceSeed();
    let hi = this.seedHi;
    let lo = this.seedLo;
    // z = (z ^ (z >>> 33)) * A
    lo ^= hi >>> 1;
    this.mul64(hi, lo, MIX32_A_HI, MIX32_A_LO);
    hi = this.zHi;
    lo = this.zLo;
    // (int) (((z ^ (z >>> 28)) * B) >>> 32)
    lo ^= (lo >>> 28) | (hi << 4);
    hi ^= hi >>> 28;
    this.mul64(hi, lo, MIX32_B_HI, MIX32_B_LO);
    return this.zHi;
  }

  private advanceSeed(): void {
    const lo = (this.seedLo + GAMMA_LO) | 0;
    // GAMMA_LO < 2^31: the unsigned sum wrapped iff it came out below GAMMA_LO.
    const carry = lo >>> 0 < GAMMA_LO ? 1 : 0;
    this.seedHi = (this.seedHi + GAMMA_HI + carry) | 0;
    this.seedLo = lo;
  }

  /** The low 64 bits of a·b, into zHi/zLo (int32 halves). */
  private mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
    // aLo·bLo in full from 16-bit pieces (each product < 2^32, read bitwise from Math.imul),
    // then the cross terms mod 2^32 into the high half.
    const a0 = aLo & 0xffff;
    const a1 = aLo >>> 16;
    const b0 = bLo & 0xffff;
    const b1 = bLo >>> 16;
    const p00 = Math.imul(a0, b0);
    const p01 = Math.imul(a0, b1);
    const p10 = Math.imul(a1, b0);
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const lowHigh = (Math.imul(a1, b1) + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
    this.zLo = ((mid & 0xffff) << 16) | (p00 & 0xffff);
    this.zHi = (lowHigh + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) | 0;
  }
}
