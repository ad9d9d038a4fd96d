/** table-cpu's tables: CPU per role like the paper's Table 2 (% of one CPU), per thousand operations, and the ratios that compare across machines. */
import { fixed, markdownTable } from "../../report/markdown.ts";
import type { Unavailable } from "../fig-throughput/campaign.ts";
import { paperCpuTable, sources } from "../fig-throughput/paper.ts";
import { readRatioLabel, readRatios, type ReadRatio } from "../fig-throughput/plan.ts";
import { machineNote, notMeasured } from "../fig-throughput/summary.ts";
import { findRole, serverTotal, type RoleCpu } from "./role-cpu.ts";

export interface CpuSummaryInput {
  rows: RoleCpu[];
  unavailable: Unavailable[];
  header: string[];
}

/** The table's columns: the paper's roles, with our plain mode after native memcached. */
export const cpuColumns: readonly { system: string; role: string; label: string }[] = [
  { system: "memcached", role: "memcached", label: "Memcached (native)" },
  { system: "plain", role: "plain", label: "plain (ours)" },
  { system: "pbr", role: "primary", label: "PBR primaries" },
  { system: "pbr", role: "backup", label: "PBR backups" },
  { system: "cocytus", role: "data", label: "Cocytus data" },
  { system: "cocytus", role: "parity", label: "Cocytus parity" },
];

export function paperPercent(system: string, role: string, ratio: ReadRatio): number | undefined {
  return paperCpuTable.find((p) => p.system === system && p.role === role)?.percent[ratio];
}

/** Σ of the paper's roles of a system at one read ratio (% of one CPU). */
export function paperTotal(system: string, ratio: ReadRatio): number {
  return paperCpuTable.filter((p) => p.system === system).reduce((sum, p) => sum + p.percent[ratio], 0);
}

function columnsOf(rows: RoleCpu[]) {
  return cpuColumns.filter((c) => rows.some((r) => r.system === c.system && r.role === c.role));
}

function ratiosOf(rows: RoleCpu[]): ReadRatio[] {
  return readRatios.filter((ratio) => rows.some((r) => r.readRatio === ratio));
}

function header(rows: RoleCpu[], column: { system: string; role: string; label: string }): string {
  const processes = rows.find((r) => r.system === column.system && r.role === column.role)?.processes;
  return `${column.label} (${processes ?? "?"})`;
}

/** The paper's Table 2 layout: % of one CPU summed per role, ours with the paper's beside. */
export function percentTable(rows: RoleCpu[]): string {
  const columns = columnsOf(rows);
  const body = ratiosOf(rows).map((ratio) => [
    readRatioLabel(ratio),
    ...columns.map((c) => {
      const ours = findRole(rows, c.system, c.role, ratio);
      const paper = paperPercent(c.system, c.role, ratio);
      return `${ours ? `${fixed(ours.percentOfOneCpu, 0)} %` : "–"}${paper !== undefined ? ` (paper ${paper} %)` : ""}`;
    }),
  ]);
  return markdownTable(["read:write", ...columns.map((c) => header(rows, c))], body);
}

/** CPU seconds per thousand operations per role, the system totals and throughput. */
export function perKopTable(rows: RoleCpu[]): string {
  const columns = columnsOf(rows);
  const systems = [...new Set(columns.map((c) => c.system))];
  const body = ratiosOf(rows).map((ratio) => [
    readRatioLabel(ratio),
    ...columns.map((c) => fixed(findRole(rows, c.system, c.role, ratio)?.cpuSecondsPerKop, 3)),
    ...systems.map((s) => fixed(serverTotal(rows, s, ratio, "cpuSecondsPerKop"), 3)),
  ]);
  return markdownTable(["read:write", ...columns.map((c) => header(rows, c)), ...systems.map((s) => `${s} total`)], body);
}

interface RatioRow {
  label: string;
  ours: (ratio: ReadRatio) => number | undefined;
  paper: (ratio: ReadRatio) => number | undefined;
  needs: string[];
}

/** Role a / role b of one system in the same run (CPU seconds over the same window). */
export function roleRatio(rows: RoleCpu[], ratio: ReadRatio, system: string, a: string, b: string): number | undefined {
  const x = findRole(rows, system, a, ratio);
  const y = findRole(rows, system, b, ratio);
  return x && y && y.cpuSeconds > 0 ? x.cpuSeconds / y.cpuSeconds : undefined;
}

/** System a / system b server CPU per operation (they may have run at different throughputs). */
export function systemRatio(rows: RoleCpu[], ratio: ReadRatio, a: string, b: string): number | undefined {
  const x = serverTotal(rows, a, ratio, "cpuSecondsPerKop");
  const y = serverTotal(rows, b, ratio, "cpuSecondsPerKop");
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
}

function ratioRows(rows: RoleCpu[]): RatioRow[] {
  const paperRoles = (system: string, a: string, b: string) => (ratio: ReadRatio) => paperPercent(system, a, ratio)! / paperPercent(system, b, ratio)!;
  const paperSystems = (a: string, b: string) => (ratio: ReadRatio) => paperTotal(a, ratio) / paperTotal(b, ratio);
  return [
    { label: "PBR backups / primaries", ours: (ratio) => roleRatio(rows, ratio, "pbr", "backup", "primary"), paper: paperRoles("pbr", "backup", "primary"), needs: ["pbr"] },
    { label: "Cocytus parity / data", ours: (ratio) => roleRatio(rows, ratio, "cocytus", "parity", "data"), paper: paperRoles("cocytus", "parity", "data"), needs: ["cocytus"] },
    { label: "Cocytus / PBR (all server roles)", ours: (ratio) => systemRatio(rows, ratio, "cocytus", "pbr"), paper: paperSystems("cocytus", "pbr"), needs: ["cocytus", "pbr"] },
    { label: "PBR / Memcached", ours: (ratio) => systemRatio(rows, ratio, "pbr", "memcached"), paper: paperSystems("pbr", "memcached"), needs: ["pbr", "memcached"] },
    { label: "Cocytus / Memcached", ours: (ratio) => systemRatio(rows, ratio, "cocytus", "memcached"), paper: paperSystems("cocytus", "memcached"), needs: ["cocytus", "memcached"] },
    { label: "plain (ours) / Memcached", ours: (ratio) => systemRatio(rows, ratio, "plain", "memcached"), paper: () => undefined, needs: ["plain", "memcached"] },
  ];
}

/** Ratios that compare across machines: roles within a system (same run), systems per operation; the paper's from Table 2. */
export function ratioTable(rows: RoleCpu[]): string {
  const systems = new Set(rows.map((r) => r.system));
  const ratios = ratiosOf(rows);
  const body = ratioRows(rows)
    .filter((r) => r.needs.every((s) => systems.has(s)))
    .map((r) => [r.label, ...ratios.map((ratio) => {
      const paper = r.paper(ratio);
      return `${fixed(r.ours(ratio), 2)}${paper === undefined ? "" : ` (paper ${fixed(paper, 2)})`}`;
    })]);
  return body.length > 0 ? markdownTable(["ratio", ...ratios.map(readRatioLabel)], body) : "(needs pbr, cocytus, or plain with memcached measured)";
}

export function cpuSummary(input: CpuSummaryInput): string {
  const { rows } = input;
  const out: string[] = ["# table-cpu: CPU of each role (the paper's Table 2)", "", ...input.header, ""];
  out.push(
    "CPU time of every server process (/proc utime + stime, read through the node executors) over the measured window of each closed-loop run, summed per role. The paper ran each system on 5 server nodes driven by a 20-core client; here every process and the client share this machine, so compare the per-operation figures and the ratios, not the absolute percentages.",
    "",
  );
  out.push("## % of one CPU, summed per role (process count in brackets)", "", percentTable(rows), "");
  out.push(`Paper: ${sources.slidesCpu} — 50:50: Memcached 231; PBR 439 (15 primaries) + 189 (30 backups); Cocytus 802 (15 data) + 255 (10 parity). 95:5: 228; 234 + 60; 256 + 54. 100:0: 222; 230 + 21; 223 + 15.`, "");
  out.push("## CPU seconds per 1000 operations", "", perKopTable(rows), "");
  out.push("## Ratios that matter (ours: roles from the same run, systems per operation; paper: from Table 2's % of CPU)", "", ratioTable(rows), "");
  const clients = rows.filter((r) => r.role === "client");
  if (clients.length > 0) {
    out.push("## Load generator", "");
    out.push(
      markdownTable(
        ["system", "read:write", "ops/s", "servers % of one CPU", "client % of one CPU", "window s"],
        clients.map((c) => [c.system, readRatioLabel(c.readRatio), fixed(c.throughput, 0), fixed(serverTotal(rows, c.system, c.readRatio, "percentOfOneCpu"), 0), fixed(c.percentOfOneCpu, 0), fixed(c.windowSeconds, 1)]),
      ),
      "",
    );
  }
  out.push(...notMeasured(input.unavailable));
  out.push(machineNote, "");
  return out.join("\n");
}
