/**
 * The data sets notebooks/fig-recovery.vl.json (and fig-blocked's) are bound to: operations
 * answered OK and failed per second, latency per second per system, a rule per kill, and a band per recovery (cocytus: failure
 * detected until the last page repaired; pbr: until the takeover).
 */
import type { Datasets } from "../../report/render.ts";
import type { FaultRun } from "./fault-run.ts";
import { killAftermaths, perSecond } from "./recovery-metrics.ts";

const round = (value: number, decimals = 1) => Math.round(value * 10 ** decimals) / 10 ** decimals;

type RunKey = { system: string; panel: string };
export type ThroughputRow = RunKey & { second: number; series: "answered OK" | "failed"; value: number };
export type LatencyRow = RunKey & { second: number; stat: "p50" | "p99"; value: number };
export type KillRow = RunKey & { second: number; label: string };
export type RecoveryRow = RunKey & { from: number; to: number; what: "failover" | "recovery" };

/** Rows shared by both figures; `panel` names the run (e.g. the read ratio) in fig-blocked. */
export function timelineRows(runs: readonly FaultRun[], panel: (run: FaultRun) => string = () => "") {
  const throughput: ThroughputRow[] = [];
  const latency: LatencyRow[] = [];
  const kills: KillRow[] = [];
  const recovery: RecoveryRow[] = [];
  for (const run of runs) {
    const base = { system: run.variant, panel: panel(run) };
    for (const point of perSecond(run.timeSeries)) {
      throughput.push({ ...base, second: point.second, series: "answered OK", value: Math.round(point.okPerSec) });
      throughput.push({ ...base, second: point.second, series: "failed", value: Math.round(point.failedPerSec) });
      if (point.p50 !== undefined) latency.push({ ...base, second: point.second, stat: "p50", value: point.p50 });
      if (point.p99 !== undefined) latency.push({ ...base, second: point.second, stat: "p99", value: point.p99 });
    }
    run.kills.forEach((kill, i) => kills.push({ ...base, second: round(kill.second, 2), label: `${i === 0 ? "" : "then "}node ${kill.node} killed` }));
    for (const aftermath of killAftermaths(run)) {
      if (aftermath.endSecond === undefined) continue;
      recovery.push({ ...base, from: round(aftermath.kill.second, 2), to: round(Math.max(aftermath.endSecond, aftermath.kill.second + 0.2), 2), what: run.system === "pbr" ? "failover" : "recovery" });
    }
  }
  return { throughput, latency, kills, recovery };
}

export function recoveryFigureData(runs: readonly FaultRun[]): Datasets {
  const rows = timelineRows(runs);
  // One label per kill (at the first system's time; the systems' kills are milliseconds apart).
  const labels = rows.kills.filter((row, i) => rows.kills.findIndex((other) => other.label === row.label) === i);
  return { ...rows, killLabels: labels };
}
