/**
 * The load phase of ycsb-ts (runYcsb), as experiments use it: load N seeded records into a
 * system's processes and report what the client counted.
 */
import type { RoutingShape } from "../../systems/routing/router.ts";
import { runYcsb, type YcsbResult } from "../../workloads/src/index.ts";
import type { LoadReport } from "./fig-memory/measurement.ts";
import { throwIfAborted } from "./cleanup.ts";
import type { RunFolder } from "./run-folder.ts";

export interface LoadRequest {
  /** A process table (rows with role, group, index, host, port) ... */
  processTable?: unknown;
  /** ... or a list of servers routed as plain mode (or by `routing`). */
  endpoints?: { host: string; port: number }[];
  routing?: Partial<RoutingShape>;
  /** YCSB core-workload properties (field length and distribution, ...). */
  properties: Record<string, string>;
  records: number;
  /** First record number (YCSB's insertstart): a warm-up load uses numbers the measured load never does. */
  insertStart?: number;
  seed: number;
  signal: AbortSignal;
  /** Called about once a second with the fraction of records loaded. */
  onProgress?: (fraction: number) => void;
  /** The load stops after this long (every load loop is bounded in time); stopping early is a failure. */
  timeLimitSeconds: number;
}

export interface LoadResult {
  report: LoadReport;
  /** The driver's own output (throughput, histograms, time series), saved under raw/. */
  raw: YcsbResult;
}

/** Client threads of the load; enough in flight to keep 15-45 single-threaded servers busy. */
const loadThreads = 16;

export async function loadRecords(request: LoadRequest): Promise<LoadResult> {
  const result = await runYcsb({
    phase: "load",
    properties: {
      ...request.properties,
      recordcount: (request.insertStart ?? 0) + request.records,
      ...(request.insertStart ? { insertstart: request.insertStart, insertcount: request.records } : {}),
      threadcount: Math.min(loadThreads, request.records),
      maxexecutiontime: Math.ceil(request.timeLimitSeconds),
    },
    ...(request.processTable !== undefined ? { processTable: request.processTable } : { targets: request.endpoints ?? [] }),
    routing: request.routing,
    seed: request.seed,
    signal: request.signal,
    onProgress: (p) => request.onProgress?.(p.expectedOperations > 0 ? Math.min(1, p.operations / p.expectedOperations) : 0),
  });
  const inserted = result.measurements.INSERT?.statuses.OK ?? 0;
  const report: LoadReport = {
    records: inserted,
    valueBytes: result.valueBytesInserted,
    seconds: result.runtimeMs / 1000,
    failed: request.records - inserted,
  };
  return { report, raw: result };
}

/** Why a load fell short, from the driver's result: stopped early, errors, failed statuses. */
export function loadShortfall(request: { records: number }, result: LoadResult): string | undefined {
  if (result.report.failed <= 0 && !result.raw.stoppedEarly) return undefined;
  const statuses = JSON.stringify(result.raw.measurements.INSERT?.statuses ?? {});
  const why = result.raw.stoppedEarly ? `the driver stopped early (time bound ${result.raw.maxExecutionTimeS} s, or a client stopped on a failed insert as YCSB's do)` : "inserts failed";
  return `${result.report.records} of ${request.records} records acknowledged (${why}; INSERT statuses ${statuses}${result.raw.errors.length > 0 ? `; first errors: ${result.raw.errors.slice(0, 3).join(" | ")}` : ""})`;
}

/**
 * The load step of a measurement: load, stop if the run was interrupted, keep the driver's output
 * as raw/<rawName>-load.json, and refuse a load that fell short (naming that file).
 */
export async function checkedLoad(request: LoadRequest, folder: RunFolder, rawName: string): Promise<LoadResult> {
  const loaded = await loadRecords(request);
  throwIfAborted(request.signal);
  await folder.writeJson(`raw/${rawName}-load.json`, loaded.raw);
  const shortfall = loadShortfall(request, loaded);
  if (shortfall) throw new Error(`load: ${shortfall}; driver output in raw/${rawName}-load.json`);
  return loaded;
}
