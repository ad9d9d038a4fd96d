/**
 * Latencies compare at equal load: after every system's closed-loop (saturating) runs, each
 * system is driven again open-loop at one rate per value size and read ratio, a fixed fraction
 * of the slowest system's measured maximum, so every system sees the same offered load.
 */
import type { ValueSizeId } from "../fig-memory/value-sizes.ts";
import type { RunPhase, RunRecord } from "../fig-throughput/measurement.ts";
import type { ReadRatio } from "../fig-throughput/plan.ts";

/** The open-loop rate as a fraction of the slowest system's closed-loop throughput. */
export const equalLoadFraction = 0.5;

export interface EqualLoadTarget {
  size: ValueSizeId;
  readRatio: ReadRatio;
  opsPerSec: number;
  /** The system whose maximum set the rate. */
  slowest: string;
}

/** One target per (size, read ratio) measured closed-loop: `fraction` × the lowest throughput there. */
export function equalLoadTargets(closedRuns: RunRecord[], fraction = equalLoadFraction): EqualLoadTarget[] {
  const targets = new Map<string, EqualLoadTarget>();
  for (const run of closedRuns) {
    if (run.loop !== "closed" || run.throughput <= 0) continue;
    const key = `${run.size}/${run.readRatio}`;
    const opsPerSec = Math.max(1, Math.round(fraction * run.throughput));
    const current = targets.get(key);
    if (!current || opsPerSec < current.opsPerSec) targets.set(key, { size: run.size, readRatio: run.readRatio, opsPerSec, slowest: run.variant });
  }
  return [...targets.values()];
}

/** The open-loop phases of one size, in read-ratio order. */
export function openLoopPhases(targets: EqualLoadTarget[], size: ValueSizeId): RunPhase[] {
  return targets
    .filter((t) => t.size === size)
    .sort((a, b) => a.readRatio - b.readRatio)
    .map((t) => ({ readRatio: t.readRatio, targetOpsPerSec: t.opsPerSec }));
}
