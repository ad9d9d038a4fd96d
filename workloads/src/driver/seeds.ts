import { randomBytes } from "node:crypto";
import { SplittableRandom } from "../random/splittable-random.ts";

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

/** A run seed from text (a Java long, decimal); `where` names the input in errors. */
export function parseSeed(text: string, where: string): bigint {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t) || BigInt(t) < LONG_MIN || BigInt(t) > LONG_MAX) {
    throw new Error(`${where}: expected an integer seed that fits a Java long, found ${JSON.stringify(text)}`);
  }
  return BigInt(t);
}

/** A fresh seed for runs given none (it is recorded, so the run can be repeated). */
export function randomSeed(): bigint {
  return BigInt.asIntN(64, randomBytes(8).readBigUInt64LE(0));
}

/**
 * The seed of worker `w`'s SplittableRandom. Worker 0 uses the run seed itself, so a one-worker run
 * draws exactly what YCSB's single stream would; the others get a mixed seed, not the run seed plus
 * a multiple of the SplitMix increment (that would only shift the same stream).
 */
export function workerSeed(runSeed: bigint, w: number): bigint {
  if (w === 0) return runSeed;
  return new SplittableRandom(BigInt.asIntN(64, runSeed ^ (BigInt(w) * 0xd1b54a32d192ed03n))).nextLong();
}
