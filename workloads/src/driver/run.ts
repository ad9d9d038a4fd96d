import { Worker } from "node:worker_threads";
import { emptyBindingStats } from "../binding/memcached-db.ts";
import { addVerificationCounts, emptyVerificationCounts } from "../binding/verifier.ts";
import { addGcTotals, type GcTotals } from "../measurements/gc.ts";
import { encodeHistogram, summarize } from "../measurements/histogram.ts";
import { mergeSnapshots } from "../measurements/measurements.ts";
import { ycsbText } from "../measurements/text-report.ts";
import { TimeSeriesMerger, type IntervalSnapshot } from "../measurements/time-series.ts";
import { SplittableRandom } from "../random/splittable-random.ts";
import { CoreWorkload } from "../workload/core-workload.ts";
import { CORE_WORKLOAD_PROPERTY_NAMES, YCSB_CLIENT_PROPERTY_NAMES } from "../workload/property-names.ts";
import type { Properties } from "../workload/properties.ts";
import { clientsOfWorker, DRIVER_PROPERTY_NAMES, operationsOfClient, resolveDriverConfig, type DriverConfig, type Phase } from "./config.ts";
import type { OperationResult, YcsbResult } from "./result.ts";
import { randomSeed, workerSeed } from "./seeds.ts";
import { workerScript } from "./worker-bundle.ts";
import { buildTargets, runWorker, type TargetSpec, type WorkerResult, type WorkerSpec } from "./worker.ts";
import type { FromWorker, ToWorker } from "./worker-thread.ts";

/** Progress of a run, once a second. */
export interface Progress {
  phase: Phase;
  elapsedMs: number;
  /** Operations completed so far (counted per finished second, so up to a second behind). */
  operations: number;
  /** Operations of the whole run, or 0 when only the time bound ends it. */
  expectedOperations: number;
  /** Operations per second since the previous progress report. */
  opsPerSec: number;
}

export interface DriverRunOptions {
  phase: Phase;
  properties: Properties;
  targets: TargetSpec;
  /** The run seed; else the `seed` property; else a random one (recorded in the result). */
  seed?: bigint;
  /** Worker threads; else the `workers` property; else min(2, cores). 1 runs in this thread. */
  workers?: number;
  onProgress?: (progress: Progress) => void;
  /** Aborting stops the run early (operations in flight finish); the result covers what was done. */
  signal?: AbortSignal;
}

/** Runs a load or run phase (YCSB's Client) and returns the merged result. */
export async function runDriver(options: DriverRunOptions): Promise<YcsbResult> {
  const { phase, properties: props } = options;
  const config = resolveDriverConfig(props, phase, options.workers);
  const seed = options.seed ?? (props.has("seed") ? BigInt(props.getLong("seed", 0)) : randomSeed());
  const warnings = props.unknownPropertyWarnings([...CORE_WORKLOAD_PROPERTY_NAMES, ...YCSB_CLIENT_PROPERTY_NAMES, ...DRIVER_PROPERTY_NAMES]);
  // Check the targets and the workload here, so that a bad property fails with its location before any thread starts.
  const targets = buildTargets(options.targets);
  const workload = new CoreWorkload(props, new SplittableRandom(seed));

  const totalOperations = phase === "load" ? workload.loadOperationCount : workload.operationCount;
  if (phase === "load" && totalOperations === 0) throw new Error(`load: recordcount (${props.where("recordcount")}) or insertcount must be more than 0, found 0: there is nothing to load`);
  if (phase === "run" && totalOperations === 0 && !props.has("maxexecutiontime")) {
    throw new Error("run: operationcount is 0 and maxexecutiontime is not set; set one of them (every run is bounded)");
  }
  if (totalOperations > 0 && config.threadCount > totalOperations) {
    warnings.push(`threadcount ${config.threadCount} is more than the ${totalOperations} operations; using ${totalOperations} clients (as YCSB does)`);
    config.threadCount = totalOperations;
  }
  config.workers = Math.min(config.workers, config.threadCount);
  if (phase === "run" && workload.proportions.INSERT > 0 && config.workers > 1) {
    warnings.push(`insertproportion > 0 with ${config.workers} workers: each worker counts its inserts up from recordcount, so workers insert the same keys; use workers=1 for workloads with inserts`);
  }

  const specs = planWorkers({ phase, config, props, seed, insertStart: workload.insertStart, totalOperations, targets: options.targets });
  const merger = new TimeSeriesMerger();
  const onInterval = (s: IntervalSnapshot) => merger.add(s);
  const script = config.workers === 1 ? null : await workerScript().catch(() => null);
  const handles = specs.map((spec) => (config.workers === 1 ? inlineWorker(spec, onInterval) : threadWorker(spec, script, onInterval)));
  const stopAll = () => handles.forEach((h) => h.stop());
  let progressTimer: NodeJS.Timeout | undefined;
  const onAbort = () => stopAll();
  options.signal?.addEventListener("abort", onAbort);
  let results: WorkerResult[];
  let originMs = 0;
  try {
    try {
      await Promise.all(handles.map((h) => h.ready));
    } catch (error) {
      stopAll();
      await Promise.allSettled(handles.map((h) => h.done));
      throw error;
    }
    originMs = performance.timeOrigin + performance.now() + 20;
    for (const h of handles) h.start(originMs);
    if (options.signal?.aborted) stopAll();
    if (options.onProgress) {
      let lastOps = 0;
      let lastMs = originMs;
      progressTimer = setInterval(() => {
        const now = performance.timeOrigin + performance.now();
        const operations = merger.operationsSoFar();
        const opsPerSec = ((operations - lastOps) * 1000) / Math.max(1, now - lastMs);
        lastOps = operations;
        lastMs = now;
        options.onProgress!({ phase, elapsedMs: now - originMs, operations, expectedOperations: totalOperations, opsPerSec });
      }, 1000);
    }
    const settled = await Promise.allSettled(handles.map((h) => h.done.catch((e: unknown) => (stopAll(), Promise.reject(e)))));
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    results = settled.map((s) => (s as PromiseFulfilledResult<WorkerResult>).value);
  } finally {
    clearInterval(progressTimer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  return mergeResults({ phase, config, props, seed, warnings, targets: targets.endpoints, originMs, results, merger, totalOperations });
}

/** One spec per worker: its block of clients, its seed and, in a load, its slice of the key range. */
function planWorkers(input: { phase: Phase; config: DriverConfig; props: Properties; seed: bigint; insertStart: number; totalOperations: number; targets: TargetSpec }): WorkerSpec[] {
  const { phase, config, totalOperations } = input;
  const specs: WorkerSpec[] = [];
  let sliceStart = input.insertStart;
  for (let w = 0; w < config.workers; w++) {
    const clients = clientsOfWorker(config.threadCount, config.workers, w);
    const properties = input.props.toObject();
    if (phase === "load" && config.workers > 1) {
      // YCSB splits a load over client machines with insertstart/insertcount; workers do the same.
      let count = 0;
      for (let c = clients.first; c < clients.end; c++) count += operationsOfClient(totalOperations, config.threadCount, c);
      properties.insertstart = String(sliceStart);
      properties.insertcount = String(count);
      sliceStart += count;
    }
    specs.push({ phase, worker: w, properties, seed: String(workerSeed(input.seed, w)), clients, totalOperations, targets: input.targets, config });
  }
  return specs;
}

function mergeResults(input: {
  phase: Phase;
  config: DriverConfig;
  props: Properties;
  seed: bigint;
  warnings: string[];
  targets: { host: string; port: number }[];
  originMs: number;
  results: WorkerResult[];
  merger: TimeSeriesMerger;
  totalOperations: number;
}): YcsbResult {
  const { config, results, originMs } = input;
  const endMs = Math.max(...results.map((r) => r.endedMs));
  const warmupMs = config.warmupS * 1000;
  const runtimeMs = Math.max(0, endMs - (originMs + warmupMs));
  const operations = results.reduce((n, r) => n + r.measuredOperations, 0);
  const allOperations = results.reduce((n, r) => n + r.operations, 0);
  const merged = mergeSnapshots(results.map((r) => r.measurements));
  const gc: GcTotals = {};
  for (const r of results) addGcTotals(gc, r.gc);
  const verification = emptyVerificationCounts();
  const binding = emptyBindingStats();
  for (const r of results) {
    addVerificationCounts(verification, r.verification);
    binding.valueBytesInserted += r.binding.valueBytesInserted;
    binding.valueBytesUpdated += r.binding.valueBytesUpdated;
    for (const e of r.binding.errorExamples) if (binding.errorExamples.length < 10) binding.errorExamples.push(e);
  }
  const measurements: Record<string, OperationResult> = {};
  for (const m of merged) measurements[m.name] = { ...summarize(m.histogram), statuses: Object.fromEntries(m.statuses), histogram: encodeHistogram(m.histogram) };
  const text = ycsbText({ runtimeMs, operations, gc, measurements: merged, percentiles: config.percentiles });
  return {
    format: "ycsb-ts-result/1",
    phase: input.phase,
    startedAtMs: Math.round(originMs),
    runtimeMs: Math.round(runtimeMs),
    operations,
    throughput: runtimeMs > 0 ? (1000 * operations) / Math.round(runtimeMs) : 0,
    measurements,
    timeSeries: input.merger.build(endMs - originMs, warmupMs),
    valueBytesInserted: binding.valueBytesInserted,
    valueBytesUpdated: binding.valueBytesUpdated,
    verification,
    errors: binding.errorExamples,
    seed: String(input.seed),
    workerSeeds: results.map((r) => r.seed),
    workers: config.workers,
    threadCount: config.threadCount,
    target: config.target,
    warmupMs,
    maxExecutionTimeS: config.maxExecutionTimeS,
    stoppedEarly: input.totalOperations > 0 && allOperations < input.totalOperations,
    properties: { ...input.props.toObject(), seed: String(input.seed) },
    targets: input.targets.map((t) => ({ host: t.host, port: t.port })),
    gc,
    text,
    warnings: input.warnings,
  };
}

/** A worker as the run sees it, whether it runs in this thread or in its own. */
interface WorkerHandle {
  /** Resolves when its connections are open; rejects if it failed before that. */
  ready: Promise<void>;
  done: Promise<WorkerResult>;
  start(originMs: number): void;
  stop(): void;
}

function inlineWorker(spec: WorkerSpec, onInterval: (s: IntervalSnapshot) => void): WorkerHandle {
  let start: (originMs: number | null) => void = () => {};
  let markReady: () => void = () => {};
  const stops: (() => void)[] = [];
  let stopped = false;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = runWorker(spec, {
    ready: () => markReady(),
    start: new Promise<number | null>((resolve) => (start = resolve)),
    interval: onInterval,
    onStop: (stop) => {
      stops.push(stop);
      if (stopped) stop();
    },
  });
  return {
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    start: (originMs) => start(originMs),
    stop: () => {
      stopped = true;
      for (const s of stops) s();
      start(null);
    },
  };
}

function threadWorker(spec: WorkerSpec, script: string | null, onInterval: (s: IntervalSnapshot) => void): WorkerHandle {
  // The bundled script when esbuild could build it; else the TypeScript sources through tsx.
  const worker =
    script !== null
      ? new Worker(script, { eval: true, workerData: { spec } })
      : new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: { entry: new URL("./worker-thread.ts", import.meta.url).href, spec } });
  const post = (message: ToWorker) => {
    try {
      worker.postMessage(message);
    } catch {
      // The worker has already exited; its outcome is reported through `done`.
    }
  };
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = new Promise<WorkerResult>((resolve, reject) => {
    let settled = false;
    worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") markReady();
      else if (message.type === "interval") onInterval(message.snapshot);
      else if (message.type === "done") {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new Error(`worker ${spec.worker}: ${message.message}`));
      }
    });
    worker.on("error", (error) => {
      settled = true;
      reject(new Error(`worker ${spec.worker} crashed: ${error.message}`));
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`worker ${spec.worker} exited with code ${code} before reporting a result`));
    });
  });
  return {
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    start: (originMs) => post({ type: "start", originMs }),
    stop: () => post({ type: "stop" }),
  };
}
