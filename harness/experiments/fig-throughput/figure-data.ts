/**
 * The data set notebooks/fig-throughput.vl.json is bound to: one bar per system, read ratio and
 * value size (closed-loop throughput), and above Cocytus's bars its throughput relative to PBR.
 */
import type { Datasets } from "../../report/render.ts";
import { valueSizeById } from "../fig-memory/value-sizes.ts";
import { findRun } from "./campaign.ts";
import type { RunRecord } from "./measurement.ts";
import { readRatioLabel } from "./plan.ts";

export const systemOrder = ["plain", "pbr", "cocytus", "memcached"];

/** cocytus / pbr closed-loop throughput at the same size and read ratio, when both were measured. */
export function cocytusVsPbr(runs: RunRecord[], run: RunRecord): number | undefined {
  if (run.variant !== "cocytus") return undefined;
  const pbr = findRun(runs, "pbr", run.size, run.readRatio);
  return pbr && pbr.throughput > 0 ? run.throughput / pbr.throughput : undefined;
}

export function throughputFigureData(runs: RunRecord[]): Datasets {
  const closed = runs.filter((r) => r.loop === "closed");
  const throughput = closed.map((run) => {
    const vsPbr = cocytusVsPbr(closed, run);
    return {
      size: valueSizeById(run.size).label,
      ratio: readRatioLabel(run.readRatio),
      system: run.variant,
      value: Math.round(run.throughput),
      label: vsPbr === undefined ? "" : `${vsPbr.toFixed(2)}× pbr`,
    };
  });
  return { throughput };
}
