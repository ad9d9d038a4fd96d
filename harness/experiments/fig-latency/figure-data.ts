/**
 * The data set notebooks/fig-latency.vl.json is bound to: average, p50, p90 and p99 latency (µs,
 * from the driver's merged HdrHistograms) per system, operation type and read ratio, closed loop
 * (saturated) and open loop (equal offered load, from the intended start).
 */
import type { Datasets } from "../../report/render.ts";
import { valueSizeById, valueSizes } from "../fig-memory/value-sizes.ts";
import { opNames, type RunRecord } from "../fig-throughput/measurement.ts";
import { readRatioLabel } from "../fig-throughput/plan.ts";

export const statistics = ["avg", "p50", "p90", "p99"] as const;

export const loopLabels = {
  closed: "closed loop (saturated)",
  open: "open loop, equal load",
} as const;

/** "50:50 · update" */
export function panelLabel(run: RunRecord, op: string): string {
  return `${readRatioLabel(run.readRatio)} · ${op.toLowerCase()}`;
}

export function latencyFigureData(runs: RunRecord[]): Datasets {
  const multipleSizes = new Set(runs.map((r) => r.size)).size > 1;
  const latency: Record<string, unknown>[] = [];
  for (const run of runs) {
    for (const op of opNames) {
      const stats = run.latency[op];
      if (!stats) continue;
      for (const stat of statistics) {
        latency.push({
          system: run.variant,
          panel: `${multipleSizes ? `${valueSizeById(run.size).label} · ` : ""}${panelLabel(run, op)}`,
          panelOrder: valueSizes.findIndex((s) => s.id === run.size) * 1000 + run.readRatio * 2 + opNames.indexOf(op),
          loop: loopLabels[run.loop],
          stat,
          value: Math.round(stats[stat] * 10) / 10,
          count: stats.count,
          offered: run.loop === "open" ? Math.round(run.targetOpsPerSec) : null,
        });
      }
    }
  }
  return { latency };
}
