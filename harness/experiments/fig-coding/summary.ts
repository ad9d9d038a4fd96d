/** summary.md of a fig-coding run: memory, throughput and write latency per coding scheme, and the paper's three claims checked. */
import { fixed, markdownTable } from "../../report/markdown.ts";
import type { Unavailable } from "../fig-throughput/campaign.ts";
import { paperClaims } from "../fig-throughput/paper.ts";
import { readRatioLabel, readRatios, type ReadRatio } from "../fig-throughput/plan.ts";
import { machineNote, notMeasured } from "../fig-throughput/summary.ts";
import { extreme, type SchemeResult } from "./measurements.ts";
import { defaultScheme } from "./schemes.ts";

export interface CodingSummaryInput {
  results: SchemeResult[];
  unavailable: Unavailable[];
  header: string[];
}

/** Throughput spread across schemes at one ratio: slowest / fastest (1 = identical). */
export function throughputSpread(results: SchemeResult[], ratio: ReadRatio): number | undefined {
  const values = results.flatMap((r) => (r.byRatio[ratio] ? [r.byRatio[ratio]!.throughput] : []));
  if (values.length < 2 || Math.max(...values) <= 0) return undefined;
  return Math.min(...values) / Math.max(...values);
}

function ratiosOf(results: SchemeResult[]): ReadRatio[] {
  return readRatios.filter((ratio) => results.some((r) => r.byRatio[ratio]));
}

/** The ratio (write-heaviest first) where writes say most: 50:50 if measured. */
function writeHeaviest(results: SchemeResult[]): ReadRatio | undefined {
  return ratiosOf(results).find((ratio) => results.some((r) => r.byRatio[ratio]?.write));
}

function verdict(ours: string | undefined, paper: string): string {
  if (ours === undefined) return "–";
  return `${ours} ${ours === paper ? "✓ as the paper" : `✗ (paper: ${paper})`}`;
}

export function codingSummary(input: CodingSummaryInput): string {
  const { results } = input;
  const ratios = ratiosOf(results);
  const out: string[] = ["# fig-coding: coding schemes RS(2,3), RS(3,2), RS(4,1)", "", ...input.header, ""];
  out.push("Cocytus with k data and m parity processes per group, k + m = 5 (the paper's RS(2,5), RS(3,5), RS(4,5) name the group size). Memory: fig-memory's arithmetic, Σ RSS growth of every process over the value bytes loaded; from `stats`: coded values (data area + parity) and metadata (metadata, its replicas, keys).", "");

  out.push("## Memory after loading, per value byte", "");
  out.push(
    markdownTable(
      ["scheme", "paper's name", "processes (data + parity)", "ideal (k+m)/k", "RSS growth / value byte", "stats: values + metadata = total"],
      results.map((r) => [
        r.scheme,
        r.paperName,
        r.memory ? `${r.memory.byRole.data?.processes ?? "?"} + ${r.memory.byRole.parity?.processes ?? "?"}` : "–",
        fixed(r.ideal, 2),
        fixed(r.memory?.bytesPerValueByte, 3),
        r.memory?.stats ? `${fixed(r.memory.dataPerValueByte, 3)} + ${fixed(r.memory.metadataPerValueByte, 3)} = ${fixed(r.memory.statsBytesPerValueByte, 3)}` : "–",
      ]),
    ),
    "",
  );

  out.push("## Throughput and latency (closed loop)", "");
  const perfRows: (string | number)[][] = [];
  for (const r of results) {
    for (const ratio of ratios) {
      const p = r.byRatio[ratio];
      if (!p) continue;
      perfRows.push([r.scheme, readRatioLabel(ratio), fixed(p.throughput, 0), fixed(p.write?.avg, 0), p.write?.p50 ?? "–", p.write?.p99 ?? "–", p.read?.p50 ?? "–", p.read?.p99 ?? "–"]);
    }
  }
  out.push(markdownTable(["scheme", "read:write", "ops/s", "write avg µs", "write p50 µs", "write p99 µs", "read p50 µs", "read p99 µs"], perfRows), "");

  const base = results.find((r) => r.scheme === defaultScheme);
  if (base) {
    out.push(`## Relative to ${defaultScheme} (the default scheme)`, "");
    const rows = results
      .filter((r) => r !== base)
      .map((r) => [
        r.scheme,
        fixed(r.memory && base.memory ? r.memory.bytesPerValueByte / base.memory.bytesPerValueByte : undefined, 2),
        ...ratios.flatMap((ratio) => {
          const x = r.byRatio[ratio];
          const y = base.byRatio[ratio];
          return [fixed(x && y && y.throughput > 0 ? x.throughput / y.throughput : undefined, 2), fixed(x?.write && y?.write && y.write.p50 > 0 ? x.write.p50 / y.write.p50 : undefined, 2)];
        }),
      ]);
    out.push(markdownTable(["scheme", "memory", ...ratios.flatMap((ratio) => [`ops/s ${readRatioLabel(ratio)}`, `write p50 ${readRatioLabel(ratio)}`])], rows), "");
  }

  out.push("## The paper's claims, checked", "");
  const heavy = writeHeaviest(results);
  const claims: string[][] = [
    ["least memory (RSS per value byte)", verdict(extreme(results, (r) => r.memory?.bytesPerValueByte, "min"), "RS(4,1)")],
    ["least memory (stats per value byte)", verdict(extreme(results, (r) => r.memory?.statsBytesPerValueByte, "min"), "RS(4,1)")],
    [`worst write latency (avg at ${heavy ? readRatioLabel(heavy) : "–"})`, verdict(heavy ? extreme(results, (r) => r.byRatio[heavy]?.write?.avg, "max") : undefined, "RS(2,3)")],
    [`worst write latency (p99 at ${heavy ? readRatioLabel(heavy) : "–"})`, verdict(heavy ? extreme(results, (r) => r.byRatio[heavy]?.write?.p99, "max") : undefined, "RS(2,3)")],
    ...ratios.map((ratio) => [`throughput similar: slowest / fastest at ${readRatioLabel(ratio)}`, fixed(throughputSpread(results, ratio), 2)]),
  ];
  out.push(markdownTable(["claim", "ours"], claims), "");
  out.push(`Paper: "${paperClaims.coding.text}" (${paperClaims.coding.source}).`, "");
  out.push(...notMeasured(input.unavailable));
  out.push(machineNote, "");
  return out.join("\n");
}
