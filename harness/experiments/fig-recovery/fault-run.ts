/**
 * One fault run (fig-recovery, fig-blocked): deploy a system, load N records of 1 KB, then drive a
 * closed-loop YCSB run phase through the harness proxy while whole nodes are killed at planned
 * seconds (`harness kill node N`, recorded with its time in the deployment's fault log). The proxy
 * follows the groups' `view` after a failure (pbr failover, cocytus recovery leader); the ycsb-ts
 * driver routes by a fixed process table and cannot. Around the run: `stats` of every process
 * each second (recovery and failover fields), RSS/CPU samples, and every process's log.
 */
import { throwIfAborted } from "../cleanup.ts";
import { loadRecords, loadShortfall } from "../loader.ts";
import type { LoadReport } from "../fig-memory/measurement.ts";
import { memoryPerProcessMb, valueSizeById } from "../fig-memory/value-sizes.ts";
import { workloadFile } from "../fig-throughput/plan.ts";
import type { Progress } from "../progress.ts";
import type { ExperimentContext } from "../types.ts";
import type { DeploymentHandle } from "../../deploy/handle.ts";
import type { ProcessInfo } from "../../deploy/types.ts";
import { startProxy, type RunningProxy } from "../../proxy/proxy.ts";
import { groupViewRefresher } from "../../proxy/view-refresher.ts";
import { startSampling } from "../../sampling/sampler.ts";
import { runYcsb, type TimeSeriesPoint, type YcsbResult } from "../../../workloads/src/index.ts";
import { deployForFaults } from "./deployment.ts";
import type { FaultPlan } from "./plan.ts";
import { StatsPoller, type StatsReading } from "./stats-poller.ts";

/** A system as a fault run names it: "pbr", "cocytus", or "cocytus blocked" (cocytus with `--recovery blocked`). */
export interface FaultVariant {
  label: string;
  system: "pbr" | "cocytus";
  serverArgs: string[];
}

export type FaultReadRatio = 95 | 50;

/** A kill as it happened. */
export interface KillRecord {
  node: number;
  plannedSeconds: number;
  /** Epoch ms of the fault log entry (just before the signals were sent). */
  atMs: number;
  /** Seconds after the driver's time zero (the time series' axis). */
  second: number;
  processes: string[];
}

/** Everything measured in one fault run (raw/<prefix>.json), the input of the pure summaries. */
export interface FaultRun {
  variant: string;
  system: FaultVariant["system"];
  readRatio: FaultReadRatio;
  plan: FaultPlan;
  load: LoadReport;
  processes: ProcessInfo[];
  /** The driver's time zero (epoch ms): second 0 of the time series. */
  startedAtMs: number;
  runtimeMs: number;
  operations: number;
  /** Overall throughput (every completed operation, as YCSB counts it), warm-up excluded. */
  throughput: number;
  /** Operations answered OK per second, warm-up excluded. */
  okThroughput: number;
  timeSeries: TimeSeriesPoint[];
  kills: KillRecord[];
  /** Operations answered with an error or timed out, by operation (READ, UPDATE). */
  failed: Record<string, number>;
  corrupted: number;
  missingAcknowledged: number;
  verificationExamples: string[];
  /** The driver's first error messages. */
  errors: string[];
  stats: StatsReading[];
  rawFile: string;
}

export interface FaultRunRequest {
  variant: FaultVariant;
  readRatio: FaultReadRatio;
  plan: FaultPlan;
  /** Prefix of the raw files, e.g. "cocytus-95". */
  prefix: string;
  /** The clusters.yaml holding config.cluster (the project's by default). */
  clustersFile?: string;
}

/** The system could not be deployed: the caller reports it missing and goes on with the others. */
export class FaultBringUpError extends Error {}

const size = valueSizeById("1k");

/** Deploys, loads, drives the run with its kills, tears down on every path. Raw data goes to raw/. */
export async function measureFaultRun(context: ExperimentContext, progress: Progress, request: FaultRunRequest): Promise<FaultRun> {
  const { config, cleanup, folder, signal } = context;
  const { variant, plan, prefix } = request;
  progress.phase("deploying");
  const pending = deployForFaults({
    mode: variant.system,
    cluster: config.cluster,
    clustersFile: request.clustersFile,
    memoryMb: memoryPerProcessMb(plan.records * Number(size.properties.fieldlength), 15),
    serverArgs: variant.serverArgs,
    statePath: folder.file(`raw/${prefix}-deployment.json`),
    signal,
  });
  const tearDown = cleanup.add(`${variant.label} deployment`, async () => (await pending.catch(() => undefined))?.teardown());
  let handle: DeploymentHandle;
  try {
    handle = await pending;
  } catch (error) {
    await tearDown();
    throwIfAborted(signal);
    throw new FaultBringUpError((error as Error).message);
  }
  try {
    progress.phase("loading", 0);
    const loaded = await loadRecords({
      processTable: handle.processes,
      routing: handle.shape,
      properties: size.properties,
      records: plan.records,
      seed: config.seed,
      signal,
      onProgress: (fraction) => progress.phase("loading", fraction),
      timeLimitSeconds: Math.max(120, plan.records / 200),
    });
    throwIfAborted(signal);
    await folder.writeJson(`raw/${prefix}-load.json`, loaded.raw);
    const shortfall = loadShortfall({ records: plan.records }, loaded);
    if (shortfall) throw new Error(`load: ${shortfall}; driver output in raw/${prefix}-load.json`);
    return await driveWithKills(context, progress, request, handle, loaded.report);
  } finally {
    progress.phase("collecting logs, teardown");
    await handle.collectLogs(folder.file(`raw/${prefix}-logs`)).catch(() => undefined);
    await tearDown();
  }
}

async function driveWithKills(context: ExperimentContext, progress: Progress, request: FaultRunRequest, handle: DeploymentHandle, load: LoadReport): Promise<FaultRun> {
  const { config, cleanup, folder, signal } = context;
  const { variant, plan, prefix, readRatio } = request;
  const processes = handle.processes;
  const proxy: RunningProxy = await startProxy({ host: "127.0.0.1", port: 0, shape: handle.shape, processes, refresh: groupViewRefresher(variant.system, processes) });
  const closeProxy = cleanup.add(`${variant.label} proxy`, () => proxy.close());
  const sampler = await startSampling({ executors: handle.executors, processes, path: folder.file(`raw/${prefix}-samples.jsonl`), maxTicks: plan.runSeconds + 120 });
  const stopSampler = cleanup.add(`${variant.label} sampler`, async () => void (await sampler.stop()));
  const poller = new StatsPoller(processes, 1000, plan.runSeconds + 120);
  poller.start();
  let stats: StatsReading[] = [];
  const stopPoller = cleanup.add(`${variant.label} stats poller`, async () => {
    stats = await poller.stop();
  });

  const kills: KillRecord[] = [];
  const killErrors: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  let originMs: number | undefined;
  const label = `${readRatio}:${100 - readRatio} closed loop, ${plan.kills.map((k) => `node ${k.node} killed at ${k.atSeconds} s`).join(", ")}`;
  progress.phase(label, 0);
  let result: YcsbResult;
  try {
    result = await runYcsb({
      phase: "run",
      propertyFiles: [workloadFile(readRatio, "1k")],
      properties: {
        recordcount: plan.records,
        operationcount: plan.runSeconds * 1_000_000,
        maxexecutiontime: plan.runSeconds,
        warmuptime: plan.warmupSeconds,
        threadcount: plan.threadCount,
        "memcached.connections": plan.connections,
      },
      targets: [{ host: proxy.host, port: proxy.port }],
      seed: config.seed,
      workers: plan.workers,
      signal,
      onProgress: (p) => {
        progress.phase(label, Math.min(1, p.elapsedMs / (plan.runSeconds * 1000)));
        if (originMs !== undefined) return;
        // Kills are timed from the driver's time zero, which the first progress report reveals.
        originMs = Date.now() - p.elapsedMs;
        for (const planned of plan.kills) {
          const delay = Math.max(0, originMs + planned.atSeconds * 1000 - Date.now());
          timers.push(
            setTimeout(() => {
              handle.inject("kill", { node: planned.node }).then(
                (record) => {
                  const atMs = Date.parse(record.at);
                  kills.push({ node: planned.node, plannedSeconds: planned.atSeconds, atMs, second: 0, processes: record.processes.map((v) => v.id) });
                  progress.log(`${variant.label}: node ${planned.node} killed (${record.processes.length} processes) at ${((atMs - (originMs ?? atMs)) / 1000).toFixed(1)} s`);
                },
                (error: Error) => killErrors.push(`kill node ${planned.node} at ${planned.atSeconds} s failed: ${error.message}`),
              );
            }, delay),
          );
        }
      },
    });
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
  throwIfAborted(signal);
  await stopPoller();
  await stopSampler();
  await closeProxy();

  const rawFile = `raw/${prefix}-run.json`;
  await folder.writeJson(rawFile, result);
  await folder.writeJson(`raw/${prefix}-faults.json`, handle.faults);
  if (killErrors.length > 0) throw new Error(killErrors.join("; "));
  const missed = plan.kills.filter((k) => !kills.some((done) => done.plannedSeconds === k.atSeconds));
  if (missed.length > 0) throw new Error(`the run ended before the kill(s) at ${missed.map((k) => `${k.atSeconds} s`).join(", ")} (the driver ran ${(result.runtimeMs / 1000).toFixed(1)} s${result.stoppedEarly ? ", stopped early" : ""}); see ${rawFile}`);

  const run: FaultRun = {
    variant: variant.label,
    system: variant.system,
    readRatio,
    plan,
    load,
    processes,
    startedAtMs: result.startedAtMs,
    runtimeMs: result.runtimeMs,
    operations: result.operations,
    throughput: result.throughput,
    okThroughput: result.runtimeMs > 0 ? ((result.measurements.READ?.count ?? 0) + (result.measurements.UPDATE?.count ?? 0)) / (result.runtimeMs / 1000) : 0,
    timeSeries: result.timeSeries,
    kills: kills.sort((a, b) => a.atMs - b.atMs).map((k) => ({ ...k, second: (k.atMs - result.startedAtMs) / 1000 })),
    failed: failedOperations(result),
    corrupted: result.verification.corrupted,
    missingAcknowledged: result.verification.missingAcknowledged,
    verificationExamples: result.verification.examples,
    errors: result.errors.slice(0, 10),
    stats,
    rawFile,
  };
  await folder.writeJson(`raw/${prefix}.json`, run);
  return run;
}

/**
 * Operations answered with an error or not at all (timeouts, closed connections), by operation,
 * from the statuses the driver counted (warm-up excluded). A read miss (NOT_FOUND) is not among
 * them: the verifier counts a miss of a loaded key as a lost acknowledged write.
 */
export function failedOperations(result: Pick<YcsbResult, "measurements">): Record<string, number> {
  const failed: Record<string, number> = {};
  for (const op of ["READ", "UPDATE"]) {
    const statuses = result.measurements[op]?.statuses ?? {};
    failed[op] = Object.entries(statuses).reduce((sum, [status, n]) => (status === "OK" || status === "NOT_FOUND" ? sum : sum + n), 0);
  }
  return failed;
}
