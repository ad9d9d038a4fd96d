/**
 * What a fault run's raw data says, computed without servers (tested on fixed data):
 * - cocytus recovery episodes from the per-second `stats` readings (a leader reports only its
 *   latest recovery, and pages_repaired counts up over every recovery it led, so each episode is
 *   cut out of the readings: from the reading where recovery_start changes to the last one with it);
 * - pbr failovers (pbr_failovers grew at a backup that took over);
 * - windows of the time series (before the first kill, during each recovery) with throughput,
 *   failed operations and latency percentiles of the merged per-second HdrHistograms.
 */
import { PAGE_SIZE } from "../../../systems/codec/codec.ts";
import { addEncoded, newLatencyHistogram, summarize, type LatencySummary } from "../../../workloads/src/measurements/histogram.ts";
import type { TimeSeriesPoint } from "../../../workloads/src/index.ts";
import type { FaultRun, KillRecord } from "./fault-run.ts";
import type { StatsReading } from "./stats-poller.ts";

/** One recovery led by one parity process after a failure. */
export interface RecoveryEpisode {
  process: string;
  group: number;
  /** Index into the run's kills (the last kill before the recovery started), or -1. */
  kill: number;
  /** Epoch ms: failure detected; repair complete (0 if not complete by the last reading). */
  startMs: number;
  endMs: number;
  /** Time the failed process's keys were served by nobody (preparation). */
  prepBlockMs: number;
  preparations: number;
  pagesRepaired: number;
  bytesRepaired: number;
  requestsWaited: number;
  /** The server's own repair_bytes_per_sec at the episode's last reading (over every recovery it led). */
  serverBytesPerSec: number;
  /** bytesRepaired over the time from the end of preparation to the end of repair. */
  bytesPerSec?: number;
  /** Data indices the leader serves (recovery_hosted). */
  hosted: string;
  state: string;
}

/** A pbr backup taking over as primary. */
export interface Failover {
  process: string;
  group: number;
  kill: number;
  /** Epoch ms of the first reading that showed it. */
  seenAtMs: number;
  /** The server's pbr_last_takeover_ms. */
  takeoverMs: number;
}

function num(stats: Record<string, string>, name: string): number {
  const value = Number(stats[name]);
  return Number.isFinite(value) ? value : 0;
}

function byProcess(readings: readonly StatsReading[]): Map<string, StatsReading[]> {
  const out = new Map<string, StatsReading[]>();
  for (const r of readings) out.set(r.id, [...(out.get(r.id) ?? []), r]);
  for (const list of out.values()) list.sort((a, b) => a.t - b.t);
  return out;
}

/** The last kill at or before `atMs` (1 s of tolerance for clocks of other nodes), or -1. */
export function killBefore(kills: readonly KillRecord[], atMs: number): number {
  let found = -1;
  kills.forEach((kill, i) => {
    if (kill.atMs - 1000 <= atMs) found = i;
  });
  return found;
}

export function recoveryEpisodes(run: Pick<FaultRun, "stats" | "kills">): RecoveryEpisode[] {
  const episodes: RecoveryEpisode[] = [];
  for (const readings of byProcess(run.stats).values()) {
    let previous: StatsReading | undefined;
    let current: { first: StatsReading; last: StatsReading; base: StatsReading | undefined } | undefined;
    const close = () => {
      if (!current) return;
      const { first, last, base } = current;
      const start = num(last.stats, "recovery_start");
      const end = num(last.stats, "recovery_end");
      const prep = num(last.stats, "prep_block_ms");
      const pages = num(last.stats, "pages_repaired") - (base ? num(base.stats, "pages_repaired") : 0);
      const repairMs = end > 0 ? end - start - prep : 0;
      episodes.push({
        process: first.id,
        group: first.group,
        kill: killBefore(run.kills, start),
        startMs: start,
        endMs: end,
        prepBlockMs: prep,
        preparations: num(last.stats, "preparations") - (base ? num(base.stats, "preparations") : 0),
        pagesRepaired: pages,
        bytesRepaired: pages * PAGE_SIZE,
        requestsWaited: num(last.stats, "requests_waited_on_repair") - (base ? num(base.stats, "requests_waited_on_repair") : 0),
        serverBytesPerSec: num(last.stats, "repair_bytes_per_sec"),
        ...(repairMs > 0 ? { bytesPerSec: (pages * PAGE_SIZE) / (repairMs / 1000) } : {}),
        hosted: last.stats.recovery_hosted ?? "",
        state: last.stats.recovery_state ?? "",
      });
    };
    for (const reading of readings) {
      const start = num(reading.stats, "recovery_start");
      if (start > 0 && start !== (current ? num(current.first.stats, "recovery_start") : 0)) {
        close();
        current = { first: reading, last: reading, base: previous };
      } else if (current) {
        current.last = reading;
      }
      previous = reading;
    }
    close();
  }
  return episodes.sort((a, b) => a.startMs - b.startMs || a.process.localeCompare(b.process));
}

/** The recovery modes (online, blocked) the processes reported in `stats`. */
export function reportedRecoveryModes(run: Pick<FaultRun, "stats">): string[] {
  return [...new Set(run.stats.flatMap((r) => (r.stats.recovery_mode ? [r.stats.recovery_mode] : [])))].sort();
}

export function failovers(run: Pick<FaultRun, "stats" | "kills">): Failover[] {
  const found: Failover[] = [];
  for (const readings of byProcess(run.stats).values()) {
    let seen = 0;
    readings.forEach((reading, i) => {
      const count = num(reading.stats, "pbr_failovers");
      // The first reading is taken after the load: a takeover before it is no failover of this run.
      if (i > 0 && count > seen) found.push({ process: reading.id, group: reading.group, kill: killBefore(run.kills, reading.t), seenAtMs: reading.t, takeoverMs: num(reading.stats, "pbr_last_takeover_ms") });
      seen = count;
    });
  }
  return found.sort((a, b) => a.seenAtMs - b.seenAtMs || a.process.localeCompare(b.process));
}

/** The recoveries (cocytus) or failovers (pbr) one kill caused, and when the last one ended. */
export interface KillAftermath {
  kill: KillRecord;
  episodes: RecoveryEpisode[];
  failovers: Failover[];
  /** Seconds on the run's axis when the last recovery or takeover of this kill ended; undefined while one is unfinished or none was seen. */
  endSecond?: number;
  /** cocytus: bytes repaired by all leaders over the span from the first repair start to the last end. */
  clusterBytesPerSec?: number;
}

export function killAftermaths(run: Pick<FaultRun, "stats" | "kills" | "startedAtMs" | "system">): KillAftermath[] {
  const episodes = recoveryEpisodes(run);
  const takeovers = failovers(run);
  return run.kills.map((kill, i) => {
    const own = episodes.filter((e) => e.kill === i);
    const ownFailovers = takeovers.filter((f) => f.kill === i);
    const aftermath: KillAftermath = { kill, episodes: own, failovers: ownFailovers };
    if (run.system === "cocytus" && own.length > 0 && own.every((e) => e.endMs > 0)) {
      const end = Math.max(...own.map((e) => e.endMs));
      aftermath.endSecond = (end - run.startedAtMs) / 1000;
      const repairStart = Math.min(...own.map((e) => e.startMs + e.prepBlockMs));
      const bytes = own.reduce((sum, e) => sum + e.bytesRepaired, 0);
      if (end > repairStart) aftermath.clusterBytesPerSec = bytes / ((end - repairStart) / 1000);
    }
    if (run.system === "pbr" && ownFailovers.length > 0) {
      aftermath.endSecond = kill.second + Math.max(...ownFailovers.map((f) => f.takeoverMs)) / 1000;
    }
    return aftermath;
  });
}

/** Throughput, failures and latency over whole seconds [fromSecond, toSecond) of a time series. */
export interface WindowStats {
  fromSecond: number;
  toSecond: number;
  seconds: number;
  /** Operations answered OK (a failed operation answered fast is no throughput). */
  operations: number;
  opsPerSec: number;
  /** Operations that were not OK (errors, timeouts, misses), from the <OP>-FAILED series. */
  failed: number;
  latency: { READ?: LatencySummary; UPDATE?: LatencySummary; ALL?: LatencySummary };
}

const opNames = ["READ", "UPDATE"] as const;

/** Operations of a second answered OK, and those that were not (errors, timeouts, misses). */
export function okOperations(point: TimeSeriesPoint): number {
  return opNames.reduce((n, op) => n + (point.measurements[op]?.count ?? 0), 0);
}

export function failedInPoint(point: TimeSeriesPoint): number {
  return opNames.reduce((n, op) => n + (point.measurements[`${op}-FAILED`]?.count ?? 0), 0);
}

/** Merges the histograms of the named measurements over the points (never averages percentiles). */
export function mergedLatency(points: readonly TimeSeriesPoint[], names: readonly string[]): LatencySummary | undefined {
  const h = newLatencyHistogram();
  for (const point of points) for (const name of names) if (point.histograms[name]) addEncoded(h, point.histograms[name]);
  return h.totalCount > 0 ? summarize(h) : undefined;
}

/** The window of whole seconds covering [from, to) (at least one second). */
export function windowStats(series: readonly TimeSeriesPoint[], from: number, to: number): WindowStats {
  const fromSecond = Math.floor(from);
  const toSecond = Math.max(fromSecond + 1, Math.ceil(to));
  const points = series.filter((p) => p.second >= fromSecond && p.second < toSecond);
  const operations = points.reduce((sum, p) => sum + okOperations(p), 0);
  const ms = points.reduce((sum, p) => sum + p.durationMs, 0);
  const latency: WindowStats["latency"] = {};
  for (const op of opNames) {
    const merged = mergedLatency(points, [op]);
    if (merged) latency[op] = merged;
  }
  const all = mergedLatency(points, opNames);
  if (all) latency.ALL = all;
  return {
    fromSecond,
    toSecond,
    seconds: points.length,
    operations,
    opsPerSec: ms > 0 ? operations / (ms / 1000) : 0,
    failed: points.reduce((sum, p) => sum + failedInPoint(p), 0),
    latency,
  };
}

/** How far throughput (answered OK) fell after a kill, against the mean before the first kill. */
export interface ThroughputDip {
  /** The lowest full second from the kill to the next kill (or the end). */
  lowestOpsPerSec: number;
  lowestSecond: number;
  /** lowest / mean before. */
  lowestRatio: number;
  /** Full seconds in that span below half the mean before. */
  secondsBelowHalf: number;
}

export function throughputDip(series: readonly TimeSeriesPoint[], beforeOpsPerSec: number, fromSecond: number, toSecond: number): ThroughputDip | undefined {
  const points = series.filter((p) => p.second >= Math.floor(fromSecond) && p.second < toSecond && p.durationMs >= 1000);
  if (points.length === 0 || beforeOpsPerSec <= 0) return undefined;
  const rate = (p: TimeSeriesPoint) => okOperations(p) / (p.durationMs / 1000);
  const lowest = points.reduce((a, b) => (rate(b) < rate(a) ? b : a));
  return {
    lowestOpsPerSec: rate(lowest),
    lowestSecond: lowest.second,
    lowestRatio: rate(lowest) / beforeOpsPerSec,
    secondsBelowHalf: points.filter((p) => rate(p) < beforeOpsPerSec / 2).length,
  };
}

/** A fault run boiled down: the window before the first kill, and per kill its aftermath, dip and recovery window. */
export interface FaultRunSummary {
  variant: string;
  system: FaultRun["system"];
  readRatio: FaultRun["readRatio"];
  before: WindowStats;
  kills: { aftermath: KillAftermath; dip?: ThroughputDip; recovery?: WindowStats; untilNext: WindowStats }[];
}

export function summarizeFaultRun(run: FaultRun): FaultRunSummary {
  const series = run.timeSeries;
  const end = series.length === 0 ? 0 : series[series.length - 1].second + 1;
  const firstKill = run.kills[0]?.second ?? end;
  // Whole seconds only: the second a node died in belongs to its aftermath.
  const before = windowStats(series, Math.ceil(run.plan.warmupSeconds), Math.floor(firstKill));
  const aftermaths = killAftermaths(run);
  return {
    variant: run.variant,
    system: run.system,
    readRatio: run.readRatio,
    before,
    kills: aftermaths.map((aftermath, i) => {
      const next = i + 1 < run.kills.length ? Math.floor(run.kills[i + 1].second) : end;
      return {
        aftermath,
        dip: throughputDip(series, before.opsPerSec, aftermath.kill.second, next),
        ...(aftermath.endSecond !== undefined ? { recovery: windowStats(series, aftermath.kill.second, aftermath.endSecond) } : {}),
        untilNext: windowStats(series, aftermath.kill.second, next),
      };
    }),
  };
}

/** Per second: operations answered OK and failed (per second), and the p50 / p99 latency of the OK ones (reads and updates merged). */
export function perSecond(series: readonly TimeSeriesPoint[]): { second: number; okPerSec: number; failedPerSec: number; p50?: number; p99?: number }[] {
  return series
    .filter((p) => p.durationMs >= 500)
    .map((p) => {
      const all = mergedLatency([p], opNames);
      const seconds = p.durationMs / 1000;
      return { second: p.second, okPerSec: okOperations(p) / seconds, failedPerSec: failedInPoint(p) / seconds, ...(all ? { p50: all.p50, p99: all.p99 } : {}) };
    });
}
