import type { Status } from "../binding/status.ts";
import { addEncoded, encodeHistogram, newLatencyHistogram, type JsHistogram } from "./histogram.ts";
import type { IntervalRecorder } from "./time-series.ts";

/**
 * YCSB's `measurement.interval`: "op" measures from the actual start of an operation, "intended"
 * from when it should have started (open loop, correcting coordinated omission), "both" reports
 * both, the intended ones under "Intended-<NAME>".
 */
export type MeasurementInterval = "op" | "intended" | "both";
export const MEASUREMENT_INTERVALS: readonly MeasurementInterval[] = ["op", "intended", "both"];

/** One measurement (e.g. READ) as it crosses from a worker to the main thread. */
export interface MeasurementSnapshot {
  name: string;
  /** The latency histogram, µs, HdrHistogram compressed base64. */
  histogram: string;
  /** Return codes in the order first seen: [["OK", 950], ["NOT_FOUND", 3]]. */
  statuses: [string, number][];
}

/** A measurement merged over workers: one histogram fed every worker's values, statuses summed. */
export interface MergedMeasurement {
  name: string;
  histogram: JsHistogram;
  statuses: Map<string, number>;
}

class OneMeasurement {
  readonly histogram = newLatencyHistogram();
  readonly statuses = new Map<string, number>();
}

/**
 * Latency histograms and return codes per operation name, as YCSB's Measurements keeps them, for
 * one worker. While `recording` is false (warm-up) nothing is kept in the totals; the 1-second time
 * series still sees every operation.
 */
export class Measurements {
  recording = true;
  private readonly ops = new Map<string, OneMeasurement>();
  private readonly intended = new Map<string, OneMeasurement>();

  constructor(
    readonly interval: MeasurementInterval,
    private readonly series: IntervalRecorder | null,
  ) {}

  /** Latency from the operation's actual start, µs; `endMs` is when it ended (epoch ms), for the time series. */
  measure(name: string, latencyUs: number, endMs: number): void {
    if (this.interval === "intended") return;
    this.series?.record(name, latencyUs, endMs);
    if (this.recording) one(this.ops, name).histogram.recordValue(latencyUs);
  }

  /** Latency from the operation's intended start, µs. */
  measureIntended(name: string, latencyUs: number, endMs: number): void {
    if (this.interval === "op") return;
    const label = this.interval === "intended" ? name : `Intended-${name}`;
    this.series?.record(label, latencyUs, endMs);
    if (this.recording) one(this.intended, label).histogram.recordValue(latencyUs);
  }

  /** Counts a return code under the operation's name (never under the -FAILED name, as in YCSB). */
  reportStatus(name: string, status: Status): void {
    if (!this.recording) return;
    const statuses = one(this.interval === "intended" ? this.intended : this.ops, name).statuses;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }

  snapshot(): MeasurementSnapshot[] {
    return [...this.ops, ...this.intended].map(([name, m]) => ({ name, histogram: encodeHistogram(m.histogram), statuses: [...m.statuses] }));
  }
}

function one(map: Map<string, OneMeasurement>, name: string): OneMeasurement {
  let m = map.get(name);
  if (m === undefined) {
    m = new OneMeasurement();
    map.set(name, m);
  }
  return m;
}

/** Merges the snapshots of every worker by name: histograms added, return codes summed. */
export function mergeSnapshots(perWorker: readonly (readonly MeasurementSnapshot[])[]): MergedMeasurement[] {
  const merged = new Map<string, MergedMeasurement>();
  for (const snapshots of perWorker) {
    for (const s of snapshots) {
      let m = merged.get(s.name);
      if (m === undefined) {
        m = { name: s.name, histogram: newLatencyHistogram(), statuses: new Map() };
        merged.set(s.name, m);
      }
      addEncoded(m.histogram, s.histogram);
      for (const [status, count] of s.statuses) m.statuses.set(status, (m.statuses.get(status) ?? 0) + count);
    }
  }
  return orderMeasurements([...merged.values()]);
}

const OPERATION_ORDER = ["READ", "UPDATE", "INSERT", "SCAN", "READ-MODIFY-WRITE", "DELETE", "CLEANUP"];

/** YCSB prints operations first and intended ones after; within each, a fixed operation order. */
export function orderMeasurements<M extends { name: string }>(list: M[]): M[] {
  const rank = (name: string): number => {
    const intended = name.startsWith("Intended-");
    const base = intended ? name.slice("Intended-".length) : name;
    let op = OPERATION_ORDER.indexOf(base);
    const failed = op < 0;
    if (failed) op = OPERATION_ORDER.findLastIndex((o) => base.startsWith(`${o}-`));
    return (intended ? 1000 : 0) + (op < 0 ? 100 : op * 10) + (failed ? 1 : 0);
  };
  return [...list].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}
