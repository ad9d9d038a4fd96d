import { checkValue, keyHash, type CheckedValue } from "./value-format.ts";

/** Counts of what reads found, summed over every client and worker. */
export interface VerificationCounts {
  /** Reads whose value was exactly what this format writes for the key. */
  verifiedOk: number;
  /** Reads that returned bytes this format did not write for the key (wrong key, length, checksum). */
  corrupted: number;
  /** Reads that found nothing for a key the run expected to be stored (it was acknowledged earlier). */
  missingAcknowledged: number;
  /** Up to a few examples of problems, for the report: "user123: bad-checksum". */
  examples: string[];
}

const MAX_EXAMPLES = 10;

export function emptyVerificationCounts(): VerificationCounts {
  return { verifiedOk: 0, corrupted: 0, missingAcknowledged: 0, examples: [] };
}

/** Adds b's counts into a (workers' counts are summed, examples capped). */
export function addVerificationCounts(a: VerificationCounts, b: VerificationCounts): VerificationCounts {
  a.verifiedOk += b.verifiedOk;
  a.corrupted += b.corrupted;
  a.missingAcknowledged += b.missingAcknowledged;
  for (const e of b.examples) if (a.examples.length < MAX_EXAMPLES) a.examples.push(e);
  return a;
}

/**
 * Checks every value a read returns against the value format, and counts misses of keys that should
 * exist. `expectPresent` is true in a run phase that follows a completed load: the core workload only
 * reads keys whose insert was acknowledged, so a miss there is a lost write (or an eviction).
 */
export class ValueVerifier {
  readonly counts: VerificationCounts = emptyVerificationCounts();
  private readonly scratch: CheckedValue = { check: "ok", version: -1 };

  constructor(readonly expectPresent: boolean) {}

  /** Checks value bytes src[start, end) read for the key whose bytes are key[keyStart, keyEnd). */
  onValue(key: Uint8Array, keyStart: number, keyEnd: number, src: Buffer, start: number, end: number): boolean {
    const result = checkValue(src, start, end, keyHash(key, keyStart, keyEnd), this.scratch);
    if (result.check === "ok") {
      this.counts.verifiedOk++;
      return true;
    }
    this.counts.corrupted++;
    this.example(key, keyStart, keyEnd, result.check);
    return false;
  }

  /** Records a read that found no value. */
  onMiss(key: Uint8Array, keyStart: number, keyEnd: number): void {
    if (!this.expectPresent) return;
    this.counts.missingAcknowledged++;
    this.example(key, keyStart, keyEnd, "missing");
  }

  private example(key: Uint8Array, keyStart: number, keyEnd: number, what: string): void {
    if (this.counts.examples.length >= MAX_EXAMPLES) return;
    this.counts.examples.push(`${Buffer.from(key.subarray(keyStart, keyEnd)).toString("latin1")}: ${what}`);
  }
}
