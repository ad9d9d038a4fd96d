/**
 * The data set notebooks/fig-blocked.vl.json is bound to: one `timeline` (a facet needs a single
 * source) holding, per read ratio and variant, operations answered OK and failed per second, a
 * row per kill and a row per recovery band, told apart by `kind`.
 */
import type { Datasets } from "../../report/render.ts";
import type { FaultRun } from "../fig-recovery/fault-run.ts";
import { timelineRows } from "../fig-recovery/figure-data.ts";

export function readRatioPanel(run: Pick<FaultRun, "readRatio">): string {
  return `R:W ${run.readRatio}:${100 - run.readRatio}`;
}

export function blockedFigureData(runs: readonly FaultRun[]): Datasets {
  const rows = timelineRows(runs, readRatioPanel);
  return {
    timeline: [
      ...rows.recovery.map((r) => ({ ...r, kind: "recovery" })),
      ...rows.throughput.map((r) => ({ ...r, kind: r.series })),
      ...rows.kills.map((r) => ({ ...r, kind: "kill" })),
    ],
  };
}
