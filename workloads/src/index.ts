/**
 * ycsb-ts: YCSB's core workload and a memcached-protocol driver, for the harness's experiments.
 *
 *   import { runYcsb } from "../workloads/src/index.ts";
 *
 *   const load = await runYcsb({
 *     phase: "load",                                        // "load" | "run"
 *     propertyFiles: ["workloads/workloads/paper-95-1k"],    // YCSB's -P, in order
 *     properties: { recordcount: 100000, threadcount: 16 }, // YCSB's -p, over the files
 *     targets: "127.0.0.1:11211",                           // or ["h:p", …], or [{ host, port }]
 *     // or processTable: deployment.processes (rows with role, group, index, host, port),
 *     // routing: { mode: "cocytus", groups: 5, k: 3 }      // optional; the table implies it
 *     seed: 42,                                             // optional; recorded either way
 *     workers: 2,                                           // optional; default min(2, cores)
 *     onProgress: (p) => {},                                // once a second
 *     signal,                                               // optional AbortSignal: stop early
 *   });
 *   load.valueBytesInserted   // acknowledged value bytes: divide RSS growth by this
 *
 *   runYcsb(options: YcsbOptions): Promise<YcsbResult>
 *
 * YcsbResult (driver/result.ts) holds: runtimeMs, operations, throughput (ops/s, warm-up excluded);
 * measurements by YCSB's names (READ, UPDATE, INSERT, READ-FAILED …, CLEANUP, and Intended-READ …
 * when measured from the intended start) with count, avg, min, max, p50, p90, p95, p99, p999 (µs),
 * return codes and the merged HdrHistogram (compressed base64); timeSeries, one point per second
 * (operations, ops/s, per-name latency summary and histogram, warm-up marked); valueBytesInserted /
 * valueBytesUpdated; verification (verifiedOk, corrupted, missingAcknowledged, examples); errors;
 * seed and workerSeeds; the resolved properties; warnings; and `text`, YCSB's text report.
 *
 * Properties: YCSB's core workload and client ones (threadcount, target, maxexecutiontime,
 * measurement.interval, hdrhistogram.percentiles, status.interval) plus the driver's own:
 * workers, warmuptime (s), seed, verify, verify.expectloaded, memcached.connections,
 * memcached.timeout (ms), memcached.insertcommand, memcached.updatecommand (driver/config.ts).
 * With `target` set the driver is an open loop and also reports Intended-<OP> latencies
 * (measurement.interval defaults to "both" then). Every run is bounded: operationcount and/or
 * maxexecutiontime (1 hour when unset).
 *
 * To read every loaded record back (a checker after a failure): a run phase with
 * readproportion=1, updateproportion=0, requestdistribution=sequential, operationcount=recordcount
 * and workers: 1; result.verification then counts each record once.
 */

export { runYcsb, resolveYcsbOptions, type YcsbOptions } from "./driver/api.ts";
export type { Progress } from "./driver/run.ts";
export type { OperationResult, YcsbResult } from "./driver/result.ts";
export { DRIVER_PROPERTY_NAMES, type DriverConfig, type Phase } from "./driver/config.ts";
export type { TargetSpec } from "./driver/worker.ts";

export type { DB } from "./binding/db.ts";
export type { Status } from "./binding/status.ts";
export { MemcachedConnection, type Reply, type ReplyHandler } from "./binding/memcached-connection.ts";
export { MemcachedPool } from "./binding/memcached-pool.ts";
export { MemcachedDB, type BindingStats } from "./binding/memcached-db.ts";
export { parseEndpoints, targetsFromEndpoints, targetsFromProcessTable, type Endpoint, type KeyRouter, type ProcessRow, type Targets } from "./binding/targets.ts";
export { checkValue, keyHash, writeValue, type CheckedValue, type ValueCheck } from "./binding/value-format.ts";
export { ValueVerifier, type VerificationCounts } from "./binding/verifier.ts";

export { decodeHistogram, summarize, type LatencySummary } from "./measurements/histogram.ts";
export type { TimeSeriesPoint } from "./measurements/time-series.ts";

export { CoreWorkload } from "./workload/core-workload.ts";
export { Properties, PropertyError } from "./workload/properties.ts";
export { SplittableRandom } from "./random/splittable-random.ts";
