/** summary.md of a fig-throughput run: throughput per system, the ratios that matter with their targets, the paper's claim beside. */
import { fixed, markdownTable } from "../../report/markdown.ts";
import { valueSizeById, type ValueSizeId } from "../fig-memory/value-sizes.ts";
import { findRun, type Unavailable } from "./campaign.ts";
import { systemOrder } from "./figure-data.ts";
import type { RunRecord } from "./measurement.ts";
import { cocytusVsPbrTargets, paperClaims, sources } from "./paper.ts";
import { readRatioLabel, readRatios, type ReadRatio } from "./plan.ts";

export interface ThroughputSummaryInput {
  runs: RunRecord[];
  unavailable: Unavailable[];
  header: string[];
}

/** a / b closed-loop throughput at one size and ratio, or undefined when either is missing. */
export function throughputRatio(runs: RunRecord[], a: string, b: string, size: ValueSizeId, ratio: ReadRatio): number | undefined {
  const x = findRun(runs, a, size, ratio);
  const y = findRun(runs, b, size, ratio);
  return x && y && y.throughput > 0 ? x.throughput / y.throughput : undefined;
}

/** "0.93 ≥ 0.85 ✓" against a target, the bare ratio without one, "–" when not measured. */
export function ratioVerdict(value: number | undefined, target: number | undefined): string {
  if (value === undefined) return "–";
  if (target === undefined) return fixed(value, 2);
  return `${fixed(value, 2)} ${value >= target ? "≥" : "<"} ${target} ${value >= target ? "✓" : "✗"}`;
}

/** Sizes and ratios in the order of the plan, limited to what was measured. */
export function measuredSizes(runs: RunRecord[]): ValueSizeId[] {
  return [...new Set(runs.map((r) => r.size))];
}

export function measuredRatios(runs: RunRecord[]): ReadRatio[] {
  return readRatios.filter((ratio) => runs.some((r) => r.readRatio === ratio));
}

/** Systems (variant labels) in `order` first, then any others in first-measured order. */
export function measuredVariants(runs: RunRecord[], order: readonly string[] = systemOrder): string[] {
  const seen = [...new Set(runs.map((r) => r.variant))];
  return [...order.filter((v) => seen.includes(v)), ...seen.filter((v) => !order.includes(v))];
}

/** One table per value size: a row per system, a column per read ratio (ops/s). */
export function throughputTables(runs: RunRecord[], order: readonly string[] = systemOrder): string[] {
  const out: string[] = [];
  const ratios = measuredRatios(runs);
  for (const size of measuredSizes(runs)) {
    const rows = measuredVariants(runs, order)
      .filter((variant) => runs.some((r) => r.variant === variant && r.size === size))
      .map((variant) => [variant, ...ratios.map((ratio) => fixed(findRun(runs, variant, size, ratio)?.throughput, 0))]);
    out.push(`### ${valueSizeById(size).label}`, "", markdownTable(["system", ...ratios.map((r) => `${readRatioLabel(r)} ops/s`)], rows), "");
  }
  return out;
}

export function throughputSummary(input: ThroughputSummaryInput): string {
  const runs = input.runs.filter((r) => r.loop === "closed");
  const ratios = measuredRatios(runs);
  const variants = measuredVariants(runs);
  const out: string[] = ["# fig-throughput: throughput at 50 / 95 / 100 % reads", "", ...input.header, ""];
  out.push("## Closed-loop throughput (operations per second, warm-up excluded)", "", ...throughputTables(runs));

  out.push("## Ratios that matter (same run, same machine)", "");
  const pairs: { a: string; b: string; targets?: Partial<Record<ReadRatio, number>>; paper: string }[] = [
    { a: "cocytus", b: "pbr", targets: cocytusVsPbrTargets, paper: `${paperClaims.throughput.text} (${paperClaims.throughput.source}); targets ≥ 0.95 at 95:5, ≥ 0.85 at 50:50 (${sources.design12})` },
    { a: "cocytus", b: "plain", paper: "close to Memcached (same source)" },
    { a: "pbr", b: "plain", paper: "–" },
    { a: "cocytus", b: "memcached", paper: "close to Memcached (same source)" },
    { a: "plain", b: "memcached", paper: "≥ 0.6 single-process target (DESIGN §12; here 15 processes on 2 cores)" },
  ];
  const rows: string[][] = [];
  for (const size of measuredSizes(runs)) {
    for (const pair of pairs.filter((p) => variants.includes(p.a) && variants.includes(p.b))) {
      rows.push([`${pair.a} / ${pair.b}`, valueSizeById(size).label, ...ratios.map((ratio) => ratioVerdict(throughputRatio(runs, pair.a, pair.b, size, ratio), pair.targets?.[ratio])), pair.paper]);
    }
  }
  out.push(rows.length > 0 ? markdownTable(["ratio", "size", ...ratios.map(readRatioLabel), "paper / target"], rows) : "(needs at least two systems measured)", "");

  out.push("## Run phases", "");
  out.push(
    markdownTable(
      ["system", "size", "read:write", "clients", "measured s", "operations", "ops/s", "failed ops"],
      runs.map((r) => [r.variant, valueSizeById(r.size).label, readRatioLabel(r.readRatio), r.threadCount, fixed(r.runtimeMs / 1000, 1), r.operations, fixed(r.throughput, 0), r.failedOperations]),
    ),
    "",
  );
  out.push(...notMeasured(input.unavailable));
  out.push(machineNote, "");
  return out.join("\n");
}

export function notMeasured(unavailable: Unavailable[]): string[] {
  if (unavailable.length === 0) return [];
  return ["## Not measured", "", ...unavailable.map((u) => `- **${u.system}**: ${u.reason}`), ""];
}

export const machineNote =
  "Servers, the load generator and other work shared this machine's cores during the run: absolute numbers are this machine's, ratios measured in the same run are what compares with the paper (5 server nodes, a 20-core client).";
