/**
 * The load phase of ycsb-ts (workloads/src/index.ts runYcsb), as experiments use it: load N
 * seeded records into a system's targets and report what the client counted.
 */
import type { Targets } from "../../workloads/src/binding/targets.ts";
import type { LoadReport } from "./fig-memory/measurement.ts";

export interface LoadRequest {
  targets: Targets;
  /** YCSB core-workload properties (field length and distribution, ...). */
  properties: Record<string, string>;
  records: number;
  seed: number;
  signal: AbortSignal;
  /** Called now and then with the fraction of records loaded. */
  onProgress?: (fraction: number) => void;
  /** The load stops (and fails) after this long: every load loop is bounded in time. */
  timeLimitSeconds: number;
}

export interface LoadResult {
  report: LoadReport;
  /** The driver's own output (throughput, histograms, time series), saved under raw/. */
  raw: unknown;
}

type RunYcsb = (options: unknown) => Promise<unknown>;

async function loadDriver(): Promise<RunYcsb> {
  const specifier = ["..", "..", "workloads", "src", "index.ts"].join("/");
  let module: { runYcsb?: unknown };
  try {
    module = (await import(specifier)) as { runYcsb?: unknown };
  } catch (error) {
    throw new Error(`the ycsb-ts driver, workloads/src/index.ts exporting runYcsb (cannot load it: ${(error as Error).message.split("\n")[0]})`);
  }
  if (typeof module.runYcsb !== "function") throw new Error("the ycsb-ts driver, workloads/src/index.ts exporting runYcsb (the module exports no function runYcsb)");
  return module.runYcsb as RunYcsb;
}

/** Undefined when the driver is there, else why not (checked before anything is deployed). */
export async function driverMissing(): Promise<string | undefined> {
  try {
    await loadDriver();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function loadRecords(request: LoadRequest): Promise<LoadResult> {
  await loadDriver();
  throw new Error(`loading ${request.records} records: the adapter to runYcsb is not written yet`);
}
