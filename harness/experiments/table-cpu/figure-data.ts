/**
 * The data sets notebooks/table-cpu.vl.json is bound to: our CPU seconds per thousand operations
 * per role (stacked per system and read ratio), and the paper's Table 2 (% of one CPU) beside.
 */
import type { Datasets } from "../../report/render.ts";
import { paperCpuTable } from "../fig-throughput/paper.ts";
import { readRatioLabel, readRatios } from "../fig-throughput/plan.ts";
import { roleOrder, type RoleCpu } from "./role-cpu.ts";

export function cpuFigureData(rows: RoleCpu[]): Datasets {
  const ours = rows
    .filter((r) => r.role !== "client" && Number.isFinite(r.cpuSecondsPerKop))
    .map((r) => ({ system: r.system, ratio: readRatioLabel(r.readRatio), role: r.role, roleOrder: roleOrder.indexOf(r.role), processes: r.processes, value: Math.round(r.cpuSecondsPerKop * 10_000) / 10_000, percent: Math.round(r.percentOfOneCpu) }));
  const measuredSystems = new Set(rows.map((r) => r.system));
  const paper = paperCpuTable
    .filter((p) => measuredSystems.has(p.system))
    .flatMap((p) => readRatios.map((ratio) => ({ system: p.system, ratio: readRatioLabel(ratio), role: p.role, roleOrder: roleOrder.indexOf(p.role), processes: p.processes, value: p.percent[ratio] })));
  return { ours, paper };
}
