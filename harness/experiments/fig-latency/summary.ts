/** summary.md of a fig-latency run: latencies per system and operation, Cocytus / PBR write and read latency, the paper's claim beside. */
import { fixed, markdownTable } from "../../report/markdown.ts";
import { valueSizeById, type ValueSizeId } from "../fig-memory/value-sizes.ts";
import { findRun, type Unavailable } from "../fig-throughput/campaign.ts";
import { opNames, type OpName, type RunRecord } from "../fig-throughput/measurement.ts";
import { paperClaims } from "../fig-throughput/paper.ts";
import { readRatioLabel, type ReadRatio } from "../fig-throughput/plan.ts";
import { machineNote, measuredRatios, measuredSizes, measuredVariants, notMeasured } from "../fig-throughput/summary.ts";
import type { EqualLoadTarget } from "./equal-load.ts";
import { loopLabels } from "./figure-data.ts";

export interface LatencySummaryInput {
  runs: RunRecord[];
  targets: EqualLoadTarget[];
  /** The open-loop rate as a fraction of the slowest system's closed-loop throughput. */
  fraction: number;
  unavailable: Unavailable[];
  header: string[];
}

/** a / b of one latency statistic at the same size, ratio and loop, or undefined when either is missing. */
export function latencyRatio(runs: RunRecord[], a: string, b: string, size: ValueSizeId, ratio: ReadRatio, loop: RunRecord["loop"], op: OpName, stat: "avg" | "p50" | "p99"): number | undefined {
  const x = findRun(runs, a, size, ratio, loop)?.latency[op];
  const y = findRun(runs, b, size, ratio, loop)?.latency[op];
  return x && y && y[stat] > 0 ? x[stat] / y[stat] : undefined;
}

function latencyTable(runs: RunRecord[], loop: RunRecord["loop"]): string {
  const rows: (string | number)[][] = [];
  for (const size of measuredSizes(runs)) {
    for (const ratio of measuredRatios(runs)) {
      for (const variant of measuredVariants(runs)) {
        const run = findRun(runs, variant, size, ratio, loop);
        if (!run) continue;
        for (const op of opNames) {
          const s = run.latency[op];
          if (!s) continue;
          const row: (string | number)[] = [valueSizeById(size).label, readRatioLabel(ratio), variant, op.toLowerCase(), fixed(run.throughput, 0), s.count, fixed(s.avg, 0), s.p50, s.p90, s.p99];
          if (loop === "open") row.push(run.serviceLatency?.[op]?.p50 ?? "–");
          rows.push(row);
        }
      }
    }
  }
  const headers = ["size", "read:write", "system", "op", "ops/s", "measured ops", "avg µs", "p50 µs", "p90 µs", "p99 µs"];
  return markdownTable(loop === "open" ? [...headers, "service p50 µs"] : headers, rows);
}

export function latencySummary(input: LatencySummaryInput): string {
  const { runs } = input;
  const out: string[] = ["# fig-latency: latency of reads and writes", "", ...input.header, ""];
  out.push(
    `Latencies come from the driver's HdrHistograms merged over every client and worker (percentiles are never averaged). Closed loop: each client sends its next request when the last one is answered (the systems are saturated; latency from send to answer). Open loop: every system is offered the same rate, ${fixed(100 * input.fraction, 0)} % of the slowest system's closed-loop throughput at that setting, and latency is measured from each request's intended start (coordinated omission corrected); its "service p50" column is from send to answer, and a large gap between the two means requests queued behind a backlog (the system, or this shared machine, fell behind the offered rate for a while).`,
    "",
  );
  for (const loop of ["closed", "open"] as const) {
    if (!runs.some((r) => r.loop === loop)) continue;
    out.push(`## ${loopLabels[loop]}`, "", latencyTable(runs, loop), "");
  }
  if (input.targets.length > 0) {
    out.push("Offered load of the open-loop runs:", "");
    out.push(markdownTable(["size", "read:write", "ops/s offered", "set by (slowest)"], input.targets.map((t) => [valueSizeById(t.size).label, readRatioLabel(t.readRatio), t.opsPerSec, t.slowest])), "");
  }

  out.push("## Ratios that matter: Cocytus / PBR latency (same run; > 1 means Cocytus is slower)", "");
  const rows: string[][] = [];
  const variants = measuredVariants(runs);
  if (variants.includes("cocytus") && variants.includes("pbr")) {
    for (const loop of ["closed", "open"] as const) {
      for (const size of measuredSizes(runs)) {
        for (const ratio of measuredRatios(runs)) {
          for (const op of opNames) {
            const p50 = latencyRatio(runs, "cocytus", "pbr", size, ratio, loop, op, "p50");
            if (p50 === undefined) continue;
            const avg = latencyRatio(runs, "cocytus", "pbr", size, ratio, loop, op, "avg");
            const p99 = latencyRatio(runs, "cocytus", "pbr", size, ratio, loop, op, "p99");
            rows.push([loop, valueSizeById(size).label, readRatioLabel(ratio), op.toLowerCase(), fixed(avg, 2), fixed(p50, 2), fixed(p99, 2)]);
          }
        }
      }
    }
  }
  out.push(rows.length > 0 ? markdownTable(["loop", "size", "read:write", "op", "avg", "p50", "p99"], rows) : "(needs cocytus and pbr measured)", "");
  out.push(`Paper: "${paperClaims.latency.text}" (${paperClaims.latency.source}).`, "");
  out.push(...notMeasured(input.unavailable));
  out.push(machineNote, "");
  return out.join("\n");
}
