import type { VerificationCounts } from "../binding/verifier.ts";
import type { GcTotals } from "../measurements/gc.ts";
import type { LatencySummary } from "../measurements/histogram.ts";
import type { TimeSeriesPoint } from "../measurements/time-series.ts";
import type { Phase } from "./config.ts";

/** One measurement of a run (READ, UPDATE, READ-FAILED, Intended-READ, CLEANUP …), merged over workers. */
export interface OperationResult extends LatencySummary {
  /** Return codes, e.g. { OK: 9500, NOT_FOUND: 2 } (counted under the operation's own name, as YCSB does). */
  statuses: Record<string, number>;
  /** The merged HdrHistogram (µs), compressed base64 (the encoding of Java HdrHistogram logs). */
  histogram: string;
}

/** Everything a run measured; JSON.stringify of it is the driver's JSON output (`--json`). */
export interface YcsbResult {
  format: "ycsb-ts-result/1";
  phase: Phase;
  /** When the clients started (epoch ms): second 0 of the time series, where the warm-up begins. */
  startedAtMs: number;
  /** The measured window, ms (from the end of the warm-up to the end of the run): YCSB's RunTime. */
  runtimeMs: number;
  /** Operations completed in the window (YCSB's opsDone), and per second (YCSB's Throughput). */
  operations: number;
  throughput: number;
  /** Per measurement name, latencies in µs; the intended (coordinated-omission corrected) ones are "Intended-<NAME>". */
  measurements: Record<string, OperationResult>;
  /** One point per second from the start, warm-up included and marked. */
  timeSeries: TimeSeriesPoint[];
  /** Value bytes of acknowledged inserts (the memory experiment divides RSS growth by these) and updates. */
  valueBytesInserted: number;
  valueBytesUpdated: number;
  verification: VerificationCounts;
  /** The first few server errors seen. */
  errors: string[];
  /** The run seed (a Java long, decimal) and each worker's SplittableRandom seed derived from it. */
  seed: string;
  workerSeeds: string[];
  workers: number;
  threadCount: number;
  /** ops/s over all clients; 0 = closed loop. */
  target: number;
  warmupMs: number;
  /** The time bound applied, s. */
  maxExecutionTimeS: number;
  /** True when the time bound (or a stop) ended the run before every operation was done. */
  stoppedEarly: boolean;
  /** The resolved properties (files, then -p overrides, then the driver's own settings). */
  properties: Record<string, string>;
  /** Where requests went. */
  targets: { host: string; port: number }[];
  gc: GcTotals;
  /** Unknown properties, threadcount capped, and the like. */
  warnings: string[];
  /** YCSB's text report (what `ycsb-ts run` prints). */
  text: string;
}
