/**
 * Memory per value byte tracked from commit to commit: every fig-memory run appends to
 * results/runs.csv, and --check compares with results/baseline/memory.csv (DESIGN section 11).
 */
import { stat } from "node:fs/promises";
import { appendCsv, readCsvRecords, writeCsv, type CsvRow } from "../../report/csv.ts";
import { fixed, textTable } from "../../report/markdown.ts";
import type { MemoryMeasurement } from "./measurement.ts";

/** More than this fraction worse than the baseline is a regression. */
export const regressionTolerance = 0.02;

export const runsColumns = ["commit", "dirty", "date", "system", "size", "bytes_per_value_byte", "stats_bytes_per_value_byte", "profile", "cluster", "records", "value_bytes", "repeats", "run"];
export const baselineColumns = ["system", "size", "profile", "bytes_per_value_byte", "commit", "date"];

export interface RunIdentity {
  commit: string;
  dirty: boolean;
  date: string;
  profile: string;
  cluster: string;
  repeats: number;
  /** The run folder, relative to the results root. */
  run: string;
}

export function runsRows(measurements: MemoryMeasurement[], run: RunIdentity): CsvRow[] {
  return measurements.map((m) => ({
    commit: run.commit,
    dirty: run.dirty,
    date: run.date,
    system: m.system,
    size: m.size,
    bytes_per_value_byte: m.bytesPerValueByte.toFixed(4),
    stats_bytes_per_value_byte: m.statsBytesPerValueByte === undefined ? "" : m.statsBytesPerValueByte.toFixed(4),
    profile: run.profile,
    cluster: run.cluster,
    records: m.load.records,
    value_bytes: m.load.valueBytes,
    repeats: run.repeats,
    run: run.run,
  }));
}

export async function appendRuns(path: string, measurements: MemoryMeasurement[], run: RunIdentity): Promise<void> {
  await appendCsv(path, runsRows(measurements, run), runsColumns);
}

/** Writes the measured medians as the new baseline file. */
export async function saveBaseline(path: string, measurements: MemoryMeasurement[], run: RunIdentity): Promise<void> {
  const rows = measurements.map((m) => ({ system: m.system, size: m.size, profile: run.profile, bytes_per_value_byte: m.bytesPerValueByte.toFixed(4), commit: run.commit, date: run.date }));
  await writeCsv(path, rows, baselineColumns);
}

export interface BaselineEntry {
  system: string;
  size: string;
  profile: string;
  bytesPerValueByte: number;
}

/** Reads results/baseline/memory.csv; a missing file is an empty baseline, a malformed one an Error naming the line. */
export async function readBaseline(path: string): Promise<BaselineEntry[]> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return [];
  const records = await readCsvRecords(path);
  return records.map((record, i) => {
    for (const column of ["system", "size", "profile", "bytes_per_value_byte"]) {
      if (record[column] === undefined) throw new Error(`${path}: expected a column ${column} (header ${baselineColumns.join(",")}), found ${Object.keys(record).join(",")}`);
    }
    const value = Number(record.bytes_per_value_byte);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${path}:${i + 2}: bytes_per_value_byte must be a positive number, found ${JSON.stringify(record.bytes_per_value_byte)}`);
    return { system: record.system, size: record.size, profile: record.profile, bytesPerValueByte: value };
  });
}

export type Verdict = "ok" | "better" | "REGRESSION" | "no baseline";

export interface CheckRow {
  system: string;
  size: string;
  baseline?: number;
  measured: number;
  /** measured / baseline − 1 (positive is worse: more memory). */
  change?: number;
  verdict: Verdict;
}

export interface CheckResult {
  rows: CheckRow[];
  regressions: CheckRow[];
  ok: boolean;
}

/** Compares medians with the baseline of the same profile; only real regressions fail. */
export function compareWithBaseline(measurements: MemoryMeasurement[], baseline: BaselineEntry[], profile: string, tolerance = regressionTolerance): CheckResult {
  const rows = measurements.map((m): CheckRow => {
    const entry = baseline.find((b) => b.system === m.system && b.size === m.size && b.profile === profile);
    if (!entry) return { system: m.system, size: m.size, measured: m.bytesPerValueByte, verdict: "no baseline" };
    const change = m.bytesPerValueByte / entry.bytesPerValueByte - 1;
    const verdict: Verdict = change > tolerance ? "REGRESSION" : change < -tolerance ? "better" : "ok";
    return { system: m.system, size: m.size, baseline: entry.bytesPerValueByte, measured: m.bytesPerValueByte, change, verdict };
  });
  const regressions = rows.filter((row) => row.verdict === "REGRESSION");
  return { rows, regressions, ok: regressions.length === 0 };
}

/** The table --check prints. */
export function checkTable(result: CheckResult, tolerance = regressionTolerance): string {
  const rows = result.rows.map((row) => [
    row.system,
    row.size,
    fixed(row.baseline, 4),
    fixed(row.measured, 4),
    row.change === undefined ? "–" : `${row.change >= 0 ? "+" : ""}${(row.change * 100).toFixed(1)} %`,
    row.verdict === "no baseline" ? `no baseline for ${row.system} ${row.size}` : row.verdict,
  ]);
  const verdict = result.ok
    ? `check passed: no figure more than ${percent(tolerance)} % worse than the baseline`
    : `check FAILED: ${result.regressions.length} figure(s) more than ${percent(tolerance)} % worse than the baseline`;
  return `${textTable(["system", "size", "baseline", "measured", "change", "verdict"], rows)}\n${verdict}`;
}

/** 0.06 -> "6" (not 6.000000000000001). */
function percent(fraction: number): string {
  return String(Number((fraction * 100).toFixed(2)));
}
