/** Small fixed fault runs for tests of the metrics, figures and summaries (no servers). */
import { encodeHistogram, newLatencyHistogram } from "../../../workloads/src/measurements/histogram.ts";
import type { TimeSeriesPoint } from "../../../workloads/src/index.ts";
import type { FaultRun } from "./fault-run.ts";
import type { StatsReading } from "./stats-poller.ts";

export const startedAtMs = 1_000_000;

function histogram(latencyUs: number, count: number): string {
  const h = newLatencyHistogram();
  h.recordValueWithCount(latencyUs, count);
  return encodeHistogram(h);
}

/** One second: `ops` operations, 95 % reads at `readUs` µs, 5 % updates at twice that, `failed` failed reads. */
export function point(second: number, ops: number, readUs: number, failed = 0, warmupSeconds = 2): TimeSeriesPoint {
  const reads = Math.round(ops * 0.95);
  const updates = ops - reads;
  const summary = (us: number, count: number) => ({ count, avg: us, min: us, max: us, p50: us, p90: us, p95: us, p99: us, p999: us, opsPerSec: count });
  const measurements: TimeSeriesPoint["measurements"] = { READ: summary(readUs, reads), UPDATE: summary(readUs * 2, updates) };
  const histograms: TimeSeriesPoint["histograms"] = { READ: histogram(readUs, reads), UPDATE: histogram(readUs * 2, updates) };
  if (failed > 0) {
    measurements["READ-FAILED"] = summary(5000, failed);
    histograms["READ-FAILED"] = histogram(5000, failed);
  }
  return { second, durationMs: 1000, warmup: second < warmupSeconds, operations: ops, opsPerSec: ops, measurements, histograms };
}

function reading(id: string, group: number, second: number, stats: Record<string, number | string>): StatsReading {
  const role = id.includes("parity") ? "parity" : id.includes("primary") ? "primary" : id.includes("backup") ? "backup" : "data";
  return { t: startedAtMs + second * 1000 + 500, id, role, group, index: 3, stats: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, String(v)])) };
}

const at = (ms: number) => startedAtMs + ms;

/**
 * Group 0's leader recovers after both kills (250 pages in 1 s after a 10 ms preparation, then 500
 * pages in 1 s after 12 ms); group 1's leader once (150 pages, 8 ms). Readings every second.
 */
export function cocytusReadings(): StatsReading[] {
  const out: StatsReading[] = [];
  for (let s = 0; s < 20; s++) {
    const g0: Record<string, number | string> = { recovery_state: "idle", recovery_start: 0, recovery_end: 0, prep_block_ms: 0, preparations: 0, pages_repaired: 0, requests_waited_on_repair: 0, repair_bytes_per_sec: 0, recovery_hosted: "-" };
    if (s >= 6) Object.assign(g0, { recovery_state: "repairing", recovery_start: at(5600), prep_block_ms: 10, preparations: 1, pages_repaired: 100, recovery_hosted: "0" });
    if (s >= 7) Object.assign(g0, { recovery_state: "repaired", recovery_end: at(6610), pages_repaired: 250, requests_waited_on_repair: 3, repair_bytes_per_sec: 1_024_000 });
    if (s >= 13) Object.assign(g0, { recovery_state: "repairing", recovery_start: at(12_300), recovery_end: 0, prep_block_ms: 12, preparations: 2, pages_repaired: 400, recovery_hosted: "0,1" });
    if (s >= 14) Object.assign(g0, { recovery_state: "repaired", recovery_end: at(13_312), pages_repaired: 750, requests_waited_on_repair: 8, repair_bytes_per_sec: 1_500_000 });
    out.push(reading("cocytus-g0-parity0", 0, s, g0));
    const g1: Record<string, number | string> = { recovery_state: "idle", recovery_start: 0, recovery_end: 0, prep_block_ms: 0, preparations: 0, pages_repaired: 0, requests_waited_on_repair: 0 };
    if (s >= 6) Object.assign(g1, { recovery_state: "repairing", recovery_start: at(5700), prep_block_ms: 8, preparations: 1, pages_repaired: 20 });
    if (s >= 7) Object.assign(g1, { recovery_state: "repaired", recovery_end: at(6200), pages_repaired: 150 });
    out.push(reading("cocytus-g1-parity0", 1, s, g1));
  }
  return out;
}

/** A backup of group 0 takes over after the first kill (800 ms); nothing after the second. */
export function pbrReadings(): StatsReading[] {
  return Array.from({ length: 20 }, (_, s) => reading("pbr-g0-backup1", 0, s, { pbr_role: s >= 6 ? "primary" : "backup", pbr_failovers: s >= 6 ? 1 : 0, pbr_last_takeover_ms: s >= 6 ? 800 : 0 }));
}

export interface FixedFaultRunOptions {
  variant?: string;
  system?: FaultRun["system"];
  readRatio?: FaultRun["readRatio"];
  /** ops/s and read latency (µs) of a second. */
  second?: (second: number) => { ops: number; readUs: number; failed?: number };
}

/**
 * A 20 s run (2 s warm-up), node 0 killed at 5.5 s and node 1 at 12.25 s. By default 1000 ops/s at
 * 400 µs, and 200 ops/s at 2000 µs with 10 failed reads in seconds 5 and 6 and 12 and 13.
 */
export function fixedFaultRun(options: FixedFaultRunOptions = {}): FaultRun {
  const system = options.system ?? "cocytus";
  const shape = options.second ?? ((s: number) => ([5, 6, 12, 13].includes(s) ? { ops: 200, readUs: 2000, failed: 10 } : { ops: 1000, readUs: 400 }));
  const timeSeries = Array.from({ length: 20 }, (_, s) => {
    const { ops, readUs, failed } = shape(s);
    return point(s, ops, readUs, failed);
  });
  const kills = [
    { node: 0, plannedSeconds: 5, atMs: at(5500), second: 5.5, processes: [`${system}-g0-a`] },
    { node: 1, plannedSeconds: 12, atMs: at(12_250), second: 12.25, processes: [`${system}-g0-b`] },
  ];
  return {
    variant: options.variant ?? system,
    system,
    readRatio: options.readRatio ?? 95,
    plan: { records: 1000, warmupSeconds: 2, runSeconds: 20, kills: [{ atSeconds: 5, node: 0 }, { atSeconds: 12, node: 1 }], threadCount: 4, workers: 1, connections: 1 },
    load: { records: 1000, valueBytes: 1000 * 1024, seconds: 1, failed: 0 },
    processes: [],
    startedAtMs,
    runtimeMs: 18_000,
    operations: timeSeries.slice(2).reduce((sum, p) => sum + p.operations, 0),
    throughput: timeSeries.slice(2).reduce((sum, p) => sum + p.operations, 0) / 18,
    okThroughput: timeSeries.slice(2).reduce((sum, p) => sum + p.operations, 0) / 18,
    timeSeries,
    kills,
    failed: { READ: 40, UPDATE: 0 },
    corrupted: 0,
    missingAcknowledged: 0,
    verificationExamples: [],
    errors: [],
    stats: system === "pbr" ? pbrReadings() : cocytusReadings(),
    rawFile: `raw/${system}-95-run.json`,
  };
}
