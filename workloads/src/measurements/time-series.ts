import { addEncoded, encodeHistogram, newLatencyHistogram, summarize, type JsHistogram, type LatencySummary } from "./histogram.ts";

/** One worker's latencies of one interval, per measurement name, as they cross to the main thread. */
export interface IntervalSnapshot {
  /** Interval number: covers [origin + index * intervalMs, origin + (index + 1) * intervalMs). */
  index: number;
  /** Operations (YCSB's transactions or inserts, as counted for throughput) completed in the interval. */
  operations: number;
  /** Histograms (µs, compressed base64) by measurement name. */
  histograms: Record<string, string>;
}

/**
 * Cuts a worker's latencies into fixed intervals (1 s) counted from a shared origin, so that the
 * main thread can add the same interval of every worker. An interval is sent once it is over: when
 * an operation ends in a later one, or when `advance` is called (a timer, so that idle seconds are
 * sent too), or at `finish`.
 */
export class IntervalRecorder {
  private current = 0;
  private operations = 0;
  private readonly histograms = new Map<string, JsHistogram>();

  constructor(
    private readonly originMs: number,
    private readonly emit: (snapshot: IntervalSnapshot) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Records a latency of `name` for an operation that ended at `endMs` (epoch ms). */
  record(name: string, latencyUs: number, endMs: number): void {
    const index = Math.floor((endMs - this.originMs) / this.intervalMs);
    if (index > this.current) this.flushUntil(index);
    let h = this.histograms.get(name);
    if (h === undefined) {
      h = newLatencyHistogram();
      this.histograms.set(name, h);
    }
    h.recordValue(latencyUs);
  }

  /** Counts one completed operation (a transaction or an insert) that ended at `endMs`. */
  countOperation(endMs: number): void {
    const index = Math.floor((endMs - this.originMs) / this.intervalMs);
    if (index > this.current) this.flushUntil(index);
    this.operations++;
  }

  /** Sends every interval that ended before `nowMs`. */
  advance(nowMs: number): void {
    const index = Math.floor((nowMs - this.originMs) / this.intervalMs);
    if (index > this.current) this.flushUntil(index);
  }

  /** Sends the interval in progress. */
  finish(): void {
    this.flushUntil(this.current + 1);
  }

  private flushUntil(index: number): void {
    const histograms: Record<string, string> = {};
    let any = this.operations > 0;
    for (const [name, h] of this.histograms) {
      if (h.totalCount === 0) continue;
      histograms[name] = encodeHistogram(h);
      h.reset();
      any = true;
    }
    if (any) this.emit({ index: Math.max(0, this.current), operations: this.operations, histograms });
    this.operations = 0;
    this.current = index;
  }
}

/** One second of a run, every worker added together. */
export interface TimeSeriesPoint {
  /** Seconds since the run started (the interval's start). */
  second: number;
  /** Length of the interval, ms (the last one may be shorter). */
  durationMs: number;
  /** True for intervals that began during the warm-up. */
  warmup: boolean;
  /** Operations (transactions or inserts) completed in this interval, and per second. */
  operations: number;
  opsPerSec: number;
  /** Per measurement name: latency statistics (µs) and operations per second. */
  measurements: Record<string, LatencySummary & { opsPerSec: number }>;
  /** Per measurement name: this interval's merged histogram, compressed base64. */
  histograms: Record<string, string>;
}

/** Adds the interval snapshots of every worker into one time series (histograms merged, not averaged). */
export class TimeSeriesMerger {
  private readonly intervals = new Map<number, Map<string, JsHistogram>>();
  private readonly operations = new Map<number, number>();
  private total = 0;

  constructor(private readonly intervalMs = 1000) {}

  add(snapshot: IntervalSnapshot): void {
    this.operations.set(snapshot.index, (this.operations.get(snapshot.index) ?? 0) + snapshot.operations);
    this.total += snapshot.operations;
    let byName = this.intervals.get(snapshot.index);
    if (byName === undefined) {
      byName = new Map();
      this.intervals.set(snapshot.index, byName);
    }
    for (const [name, encoded] of Object.entries(snapshot.histograms)) {
      let h = byName.get(name);
      if (h === undefined) {
        h = newLatencyHistogram();
        byName.set(name, h);
      }
      addEncoded(h, encoded);
    }
  }

  /** Operations completed in the intervals received so far (for progress lines). */
  operationsSoFar(): number {
    return this.total;
  }

  /** Every interval from the start to `runMs` (empty ones as zero), warm-up ones marked. */
  build(runMs: number, warmupMs: number): TimeSeriesPoint[] {
    const points: TimeSeriesPoint[] = [];
    const count = Math.max(0, Math.floor(runMs / this.intervalMs) + 1);
    for (let index = 0; index < count; index++) {
      const start = index * this.intervalMs;
      const durationMs = Math.max(1, Math.min(this.intervalMs, runMs - start));
      const byName = this.intervals.get(index) ?? new Map<string, JsHistogram>();
      const measurements: TimeSeriesPoint["measurements"] = {};
      const histograms: Record<string, string> = {};
      for (const [name, h] of byName) {
        measurements[name] = { ...summarize(h), opsPerSec: (h.totalCount * 1000) / durationMs };
        histograms[name] = encodeHistogram(h);
      }
      const operations = this.operations.get(index) ?? 0;
      points.push({ second: start / 1000, durationMs, warmup: start < warmupMs, operations, opsPerSec: (operations * 1000) / durationMs, measurements, histograms });
    }
    return points;
  }
}
