/**
 * Memory per value byte tracked from commit to commit: every fig-memory run appends to
 * results/runs.csv, and --check compares with results/baseline/memory.csv (DESIGN section 11).
 *
 * --check compares two figures per system and size. The servers' own account (data area, parity,
 * metadata, replicas and keys from `stats`) is what our code lays out, with no runtime or allocator
 * part; three runs of one commit agreed to within 0.16 %, so it is checked at the tolerance (2 % by
 * default). RSS growth, the contract's figure, also carries the Node runtime's own memory and the
 * allocator's, which move with the run and the machine: the same commit measured 9.5 % higher for
 * cocytus Zipf on CI's machine than here (a median of three there), so RSS has its own tolerance
 * (--rss-tolerance, by default the same).
 */
import { appendCsv, fileExists, readCsvRecords, writeCsv, type CsvRow } from "../../report/csv.ts";
import { fixed, textTable } from "../../report/markdown.ts";
import type { MemoryMeasurement } from "./measurement.ts";

/** More than this fraction worse than the baseline is a regression. */
export const regressionTolerance = 0.02;

/** How much worse each figure may be: `stats` for the servers' own account, `rss` for RSS growth. */
export interface Tolerances {
  stats: number;
  rss: number;
}

const defaultTolerances: Tolerances = { stats: regressionTolerance, rss: regressionTolerance };

export const runsColumns = ["commit", "dirty", "date", "system", "size", "bytes_per_value_byte", "stats_bytes_per_value_byte", "profile", "cluster", "records", "value_bytes", "repeats", "run"];
export const baselineColumns = ["system", "size", "profile", "bytes_per_value_byte", "stats_bytes_per_value_byte", "commit", "date"];

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

/**
 * Writes the measured medians into the baseline file. Rows of a system, size and profile this run
 * did not measure stay as they were, so `--systems cocytus --save-baseline` renews cocytus only.
 */
export async function saveBaseline(path: string, measurements: MemoryMeasurement[], run: RunIdentity): Promise<void> {
  const kept = (await fileExists(path) ? await readCsvRecords(path) : []).filter(
    (row) => !measurements.some((m) => m.system === row.system && m.size === row.size && run.profile === row.profile),
  );
  const measured = measurements.map((m) => ({
    system: m.system,
    size: m.size,
    profile: run.profile,
    bytes_per_value_byte: m.bytesPerValueByte.toFixed(4),
    stats_bytes_per_value_byte: m.statsBytesPerValueByte === undefined ? "" : m.statsBytesPerValueByte.toFixed(4),
    commit: run.commit,
    date: run.date,
  }));
  await writeCsv(path, [...kept, ...measured], baselineColumns);
}

export interface BaselineEntry {
  system: string;
  size: string;
  profile: string;
  bytesPerValueByte: number;
  /** The servers' own account; absent for native memcached and in baselines saved before it was kept. */
  statsBytesPerValueByte?: number;
}

/** Reads results/baseline/memory.csv; a missing file is an empty baseline, a malformed one an Error naming the line. */
export async function readBaseline(path: string): Promise<BaselineEntry[]> {
  if (!(await fileExists(path))) return [];
  const records = await readCsvRecords(path);
  return records.map((record, i) => {
    for (const column of ["system", "size", "profile", "bytes_per_value_byte"]) {
      if (record[column] === undefined) throw new Error(`${path}: expected a column ${column} (header ${baselineColumns.join(",")}), found ${Object.keys(record).join(",")}`);
    }
    const positive = (column: string): number => {
      const value = Number(record[column]);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${path}:${i + 2}: ${column} must be a positive number, found ${JSON.stringify(record[column])}`);
      return value;
    };
    const entry: BaselineEntry = { system: record.system, size: record.size, profile: record.profile, bytesPerValueByte: positive("bytes_per_value_byte") };
    if (record.stats_bytes_per_value_byte !== undefined && record.stats_bytes_per_value_byte !== "") entry.statsBytesPerValueByte = positive("stats_bytes_per_value_byte");
    return entry;
  });
}

export type Verdict = "ok" | "better" | "REGRESSION" | "no baseline";

/** One figure against its baseline. */
export interface FigureCheck {
  baseline?: number;
  measured?: number;
  /** measured / baseline − 1 (positive is worse: more memory); absent when either is missing. */
  change?: number;
}

export interface CheckRow {
  system: string;
  size: string;
  /** RSS growth per value byte. */
  rss: FigureCheck;
  /** The servers' own account per value byte. */
  stats: FigureCheck;
  verdict: Verdict;
}

export interface CheckResult {
  rows: CheckRow[];
  regressions: CheckRow[];
  ok: boolean;
}

function figureCheck(measured: number | undefined, baseline: number | undefined): FigureCheck {
  if (measured === undefined || baseline === undefined) return { measured, baseline };
  return { measured, baseline, change: measured / baseline - 1 };
}

/**
 * Compares medians with the baseline of the same profile: a row regresses when its stats figure
 * is worse by more than tolerances.stats or its RSS figure by more than tolerances.rss.
 */
export function compareWithBaseline(measurements: MemoryMeasurement[], baseline: BaselineEntry[], profile: string, tolerances: Tolerances = defaultTolerances): CheckResult {
  const rows = measurements.map((m): CheckRow => {
    const entry = baseline.find((b) => b.system === m.system && b.size === m.size && b.profile === profile);
    const rss = figureCheck(m.bytesPerValueByte, entry?.bytesPerValueByte);
    const stats = figureCheck(m.statsBytesPerValueByte, entry?.statsBytesPerValueByte);
    if (!entry) return { system: m.system, size: m.size, rss, stats, verdict: "no baseline" };
    const worse = (figure: FigureCheck, tolerance: number) => figure.change !== undefined && figure.change > tolerance;
    const better = (figure: FigureCheck, tolerance: number) => figure.change === undefined || figure.change < -tolerance;
    const verdict: Verdict =
      worse(stats, tolerances.stats) || worse(rss, tolerances.rss) ? "REGRESSION" : better(stats, tolerances.stats) && better(rss, tolerances.rss) ? "better" : "ok";
    return { system: m.system, size: m.size, rss, stats, verdict };
  });
  const regressions = rows.filter((row) => row.verdict === "REGRESSION");
  return { rows, regressions, ok: regressions.length === 0 };
}

/** A regressed row for messages: "cocytus zipf (RSS +9.5 %)", naming every figure over its tolerance. */
export function regressionText(row: CheckRow, tolerances: Tolerances = defaultTolerances): string {
  const over = [
    ["stats", row.stats.change, tolerances.stats],
    ["RSS", row.rss.change, tolerances.rss],
  ] as const;
  const figures = over.filter(([, change, tolerance]) => change !== undefined && change > tolerance).map(([name, change]) => `${name} ${changeText(change)}`);
  return `${row.system} ${row.size} (${figures.join(", ")})`;
}

/** "+3.0 %", or "–" when the figure has no baseline. */
function changeText(change: number | undefined): string {
  if (change === undefined) return "–";
  const rounded = Number((change * 100).toFixed(1));
  return `${rounded > 0 ? "+" : ""}${rounded === 0 ? "0.0" : rounded.toFixed(1)} %`;
}

/** The --check table's header and rows, for the terminal and for summary.md. */
export function checkTableCells(result: CheckResult): { header: string[]; rows: string[][] } {
  const header = ["system", "size", "stats baseline", "stats measured", "stats change", "RSS baseline", "RSS measured", "RSS change", "verdict"];
  const rows = result.rows.map((row) => [
    row.system,
    row.size,
    fixed(row.stats.baseline, 4),
    fixed(row.stats.measured, 4),
    changeText(row.stats.change),
    fixed(row.rss.baseline, 4),
    fixed(row.rss.measured, 4),
    changeText(row.rss.change),
    row.verdict === "no baseline" ? `no baseline for ${row.system} ${row.size}` : row.verdict,
  ]);
  return { header, rows };
}

/** The table --check prints. */
export function checkTable(result: CheckResult, tolerances: Tolerances = defaultTolerances): string {
  const { header, rows } = checkTableCells(result);
  const limits = `stats ${percent(tolerances.stats)} %, RSS ${percent(tolerances.rss)} %`;
  const verdict = result.ok
    ? `check passed: no figure worse than the baseline by more than its tolerance (${limits})`
    : `check FAILED: ${result.regressions.length} row(s) worse than the baseline by more than the tolerance (${limits})`;
  return `${textTable(header, rows)}\n${verdict}`;
}

/** 0.06 -> "6" (not 6.000000000000001). */
function percent(fraction: number): string {
  return String(Number((fraction * 100).toFixed(2)));
}
