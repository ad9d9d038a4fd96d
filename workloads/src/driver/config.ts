import { availableParallelism } from "node:os";
import { MEASUREMENT_INTERVALS, type MeasurementInterval } from "../measurements/measurements.ts";
import { parsePercentiles } from "../measurements/text-report.ts";
import type { Properties } from "../workload/properties.ts";

export type Phase = "load" | "run";

/**
 * Properties the driver reads besides YCSB's core workload ones. YCSB's own: threadcount, target,
 * maxexecutiontime, measurement.interval, hdrhistogram.percentiles, status.interval,
 * core_workload_insertion_retry_limit/interval. Ours:
 *   workers               worker threads sharing the clients (default min(2, cores))
 *   warmuptime            seconds at the start whose operations are not measured (default 0)
 *   seed                  the run seed (same as --seed)
 *   verify                check every value read (default true)
 *   verify.expectloaded   in a run phase, count a read miss as a lost acknowledged write (default true)
 *   memcached.connections connections per server per worker (default 2)
 *   memcached.timeout     per-request timeout, ms (default 5000)
 *   memcached.insertcommand  set (default) or add;  memcached.updatecommand  set (default) or replace
 */
export const DRIVER_PROPERTY_NAMES: readonly string[] = [
  "workers",
  "warmuptime",
  "seed",
  "verify",
  "verify.expectloaded",
  "memcached.connections",
  "memcached.timeout",
  "memcached.insertcommand",
  "memcached.updatecommand",
];

/** When no maxexecutiontime is given, a run still stops after this long (every load loop is bounded in time). */
export const DEFAULT_TIME_BOUND_S = 3600;

/** The driver's settings, resolved and checked. */
export interface DriverConfig {
  phase: Phase;
  threadCount: number;
  /** Total ops/s over all clients; 0 = closed loop (as fast as each client can go). */
  target: number;
  workers: number;
  /** The time bound, s (maxexecutiontime, or DEFAULT_TIME_BOUND_S when unset). */
  maxExecutionTimeS: number;
  warmupS: number;
  measurementInterval: MeasurementInterval;
  percentiles: number[];
  statusIntervalS: number;
  verify: boolean;
  expectLoaded: boolean;
  connectionsPerServer: number;
  timeoutMs: number;
  insertCommand: "set" | "add";
  updateCommand: "set" | "replace";
  insertionRetryLimit: number;
  insertionRetryIntervalS: number;
}

/** Reads the driver's properties; `workersOverride` (an API or CLI option) wins over the property. */
export function resolveDriverConfig(props: Properties, phase: Phase, workersOverride?: number): DriverConfig {
  const target = props.getDouble("target", 0, { min: 0 });
  const intervalDefault: MeasurementInterval = target > 0 ? "both" : "op";
  const percentilesText = props.getString("hdrhistogram.percentiles", "95,99");
  const workers = workersOverride ?? props.getInt("workers", Math.min(2, availableParallelism()), { min: 1, max: 64 });
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`workers must be an integer from 1 to 64, found ${workers}`);
  const maxExecutionTime = props.getInt("maxexecutiontime", 0, { min: 0 });
  return {
    phase,
    threadCount: props.getInt("threadcount", 1, { min: 1 }),
    target,
    workers,
    maxExecutionTimeS: maxExecutionTime > 0 ? maxExecutionTime : DEFAULT_TIME_BOUND_S,
    warmupS: props.getDouble("warmuptime", 0, { min: 0 }),
    measurementInterval: props.getChoice("measurement.interval", intervalDefault, MEASUREMENT_INTERVALS),
    percentiles: parsePercentiles(percentilesText, `${props.where("hdrhistogram.percentiles")}: hdrhistogram.percentiles`),
    statusIntervalS: props.getInt("status.interval", 10, { min: 1 }),
    verify: props.getBoolean("verify", true),
    expectLoaded: props.getBoolean("verify.expectloaded", true),
    connectionsPerServer: props.getInt("memcached.connections", 2, { min: 1, max: 1024 }),
    timeoutMs: props.getInt("memcached.timeout", 5000, { min: 1 }),
    insertCommand: props.getChoice("memcached.insertcommand", "set", ["set", "add"] as const),
    updateCommand: props.getChoice("memcached.updatecommand", "set", ["set", "replace"] as const),
    insertionRetryLimit: props.getInt("core_workload_insertion_retry_limit", 0, { min: 0 }),
    insertionRetryIntervalS: props.getInt("core_workload_insertion_retry_interval", 3, { min: 0 }),
  };
}

/**
 * YCSB's split of an operation count over clients: `total / clients` each, the first
 * `total % clients` clients one more. A total of 0 means "until the time bound" for every client.
 */
export function operationsOfClient(total: number, clients: number, client: number): number {
  if (total === 0) return 0;
  return Math.floor(total / clients) + (client < total % clients ? 1 : 0);
}

/** The clients [first, end) that worker `w` of `workers` runs: contiguous blocks, sizes differing by at most one. */
export function clientsOfWorker(clients: number, workers: number, w: number): { first: number; end: number } {
  const base = Math.floor(clients / workers);
  const extra = clients % workers;
  const first = w * base + Math.min(w, extra);
  return { first, end: first + base + (w < extra ? 1 : 0) };
}
