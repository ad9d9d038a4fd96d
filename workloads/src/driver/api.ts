import type { RoutingShape } from "../../../systems/routing/router.ts";
import { parseEndpoints, type Endpoint } from "../binding/targets.ts";
import { Properties } from "../workload/properties.ts";
import type { Phase } from "./config.ts";
import type { YcsbResult } from "./result.ts";
import { runDriver, type Progress } from "./run.ts";
import { parseSeed } from "./seeds.ts";
import type { TargetSpec } from "./worker.ts";

export interface YcsbOptions {
  phase: Phase;
  /** Property files read in order, as YCSB's `-P` (e.g. "workloads/workloads/workloada"). */
  propertyFiles?: string[];
  /** Properties over the files, as YCSB's `-p name=value`. */
  properties?: Record<string, string | number | boolean>;
  /** Servers: "host:port[,host:port…]", a list of such strings, or endpoints. */
  targets?: string | string[] | Endpoint[];
  /** Routing over several targets (default: plain over the list in order); with a process table, overrides what the table implies. */
  routing?: Partial<RoutingShape>;
  /** A cluster's process table (the JSON `npx harness up` prints: rows with role, group, index, host, port). */
  processTable?: unknown;
  /** The run seed (a Java long); else the `seed` property; else random. Recorded in the result. */
  seed?: number | bigint | string;
  /** Worker threads (else the `workers` property, else min(2, cores)); 1 runs in the calling thread. */
  workers?: number;
  /** Called once a second while the run goes. */
  onProgress?: (progress: Progress) => void;
  /** Aborting stops the run early; the result covers the operations done. */
  signal?: AbortSignal;
}

/** Resolves options into the driver's inputs: properties (files, then overrides) and targets. */
export function resolveYcsbOptions(options: YcsbOptions): { properties: Properties; targets: TargetSpec; seed?: bigint } {
  const overrides = Object.entries(options.properties ?? {}).map(([name, value]) => `${name}=${String(value)}`);
  const properties = Properties.fromCommandLine(options.propertyFiles ?? [], overrides);
  let targets: TargetSpec;
  if (options.processTable !== undefined) {
    targets = { processTable: options.processTable, shape: options.routing };
  } else if (options.targets !== undefined) {
    const endpoints =
      typeof options.targets === "string"
        ? parseEndpoints(options.targets, "targets")
        : options.targets.flatMap((t, i) => (typeof t === "string" ? parseEndpoints(t, `targets[${i}]`) : [t]));
    targets = { endpoints, shape: options.routing };
  } else {
    throw new Error("runYcsb: expected targets (host:port list) or a processTable, found neither");
  }
  const seed = options.seed === undefined ? undefined : typeof options.seed === "bigint" ? options.seed : parseSeed(String(options.seed), "seed");
  return { properties, targets, seed };
}

/** Runs YCSB's load or run phase against memcached-protocol servers; see index.ts. */
export async function runYcsb(options: YcsbOptions): Promise<YcsbResult> {
  const { properties, targets, seed } = resolveYcsbOptions(options);
  return runDriver({ phase: options.phase, properties, targets, seed, workers: options.workers, onProgress: options.onProgress, signal: options.signal });
}
