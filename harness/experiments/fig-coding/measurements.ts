/**
 * What fig-coding reports per scheme, from one deployment's SystemRuns: memory per value byte
 * after loading (fig-memory's arithmetic), throughput and write latency at each read ratio.
 */
import type { MemoryMeasurement } from "../fig-memory/measurement.ts";
import { medianMeasurement } from "../fig-memory/measurement.ts";
import type { LatencyStats, SystemRuns } from "../fig-throughput/measurement.ts";
import type { ReadRatio } from "../fig-throughput/plan.ts";
import { idealValueOverhead, schemeByLabel, schemes } from "./schemes.ts";

export interface SchemeResult {
  scheme: string;
  paperName: string;
  k: number;
  m: number;
  ideal: number;
  memory?: MemoryMeasurement;
  byRatio: Partial<Record<ReadRatio, { throughput: number; read?: LatencyStats; write?: LatencyStats }>>;
}

/** One result per scheme measured, in the schemes' order; with repeats, the median memory and the median-throughput run. */
export function schemeResults(measured: SystemRuns[]): SchemeResult[] {
  const results: SchemeResult[] = [];
  for (const scheme of schemes) {
    const own = measured.filter((m) => m.variant.label === scheme.label);
    if (own.length === 0) continue;
    const memories = own.flatMap((m) => (m.memory ? [m.memory] : []));
    const byRatio: SchemeResult["byRatio"] = {};
    const ratios = [...new Set(own.flatMap((m) => m.runs.map((r) => r.readRatio)))];
    for (const ratio of ratios) {
      const runs = own.flatMap((m) => m.runs.filter((r) => r.readRatio === ratio && r.loop === "closed")).sort((a, b) => a.throughput - b.throughput);
      const run = runs[Math.floor((runs.length - 1) / 2)];
      byRatio[ratio] = { throughput: run.throughput, read: run.latency.READ, write: run.latency.UPDATE };
    }
    results.push({ scheme: scheme.label, paperName: scheme.paperName, k: scheme.k, m: scheme.m, ideal: idealValueOverhead(scheme), memory: memories.length > 0 ? medianMeasurement(memories) : undefined, byRatio });
  }
  return results;
}

/** The scheme with the lowest (or highest) value of `pick`, among those that have one. */
export function extreme(results: SchemeResult[], pick: (r: SchemeResult) => number | undefined, which: "min" | "max"): string | undefined {
  let best: { scheme: string; value: number } | undefined;
  for (const r of results) {
    const value = pick(r);
    if (value === undefined || !Number.isFinite(value)) continue;
    if (!best || (which === "min" ? value < best.value : value > best.value)) best = { scheme: r.scheme, value };
  }
  return best?.scheme;
}

export function paperNameOf(label: string): string {
  return schemeByLabel(label)?.paperName ?? label;
}
