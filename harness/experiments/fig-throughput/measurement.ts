/**
 * The measurement fig-throughput, fig-latency, table-cpu and fig-coding share: bring one system
 * up, load N records of one value size, then drive YCSB run phases (closed loop, or open loop at
 * a target rate) at the paper's read ratios, reading every process's CPU time through the run.
 * Each run phase becomes a RunRecord: throughput, latencies from the merged HdrHistograms, CPU
 * per process over the measured window. Optionally RSS and `stats` around the load, summarized
 * by fig-memory's own arithmetic (summarizeMemory). Nothing is killed, so failure detection is
 * tolerant, and a deployment that lost members anyway (read from `stats` after the load and after
 * every phase) fails the setting instead of reporting a degraded cluster's figures.
 */
import { checkedLoad } from "../loader.ts";
import { throwIfAborted } from "../cleanup.ts";
import { throwIfLostMembers, TOLERANT_FAILURE_DETECTION } from "../cluster-health.ts";
import { summarizeMemory, type LoadReport, type MemoryMeasurement, type ProcessMemory } from "../fig-memory/measurement.ts";
import { loadWarmup, memoryPerProcessMb, SETTLE_MS, valueSizeById, warmupFor, type ValueSizeId } from "../fig-memory/value-sizes.ts";
import type { Progress } from "../progress.ts";
import { settleIdleCollections } from "../settle.ts";
import { bringUp, type SystemName, type SystemUnderTest } from "../systems-under-test.ts";
import type { ExperimentContext } from "../types.ts";
import type { ProcessInfo } from "../../deploy/types.ts";
import { runYcsb, type LatencySummary, type YcsbResult } from "../../../workloads/src/index.ts";
import { CpuSampler, cpuOverWindow, type CpuSample } from "./cpu-sampler.ts";
import { operationCap, readRatioLabel, workloadFile, type ReadRatio, type RunSettings } from "./plan.ts";

/** A system as an experiment names it: "cocytus", or "RS(2,3)" for cocytus with k = 2, m = 3. */
export interface Variant {
  label: string;
  system: SystemName;
  k?: number;
  m?: number;
}

export type OpName = "READ" | "UPDATE";
export const opNames: readonly OpName[] = ["READ", "UPDATE"];

/** Latency statistics (µs) of one operation type with its merged HdrHistogram (compressed base64). */
export interface LatencyStats extends LatencySummary {
  histogram: string;
}

/** CPU seconds one process used in a run's measured window. */
export interface ProcessCpu {
  id: string;
  role: string;
  node: number;
  cpuSeconds: number;
}

export interface RunCpu {
  /** Length of the window the CPU was read over, s (the sampled part of the measured window). */
  seconds: number;
  processes: ProcessCpu[];
  /** The load generator's own CPU over the same window (both driver threads and the main one). */
  clientCpuSeconds: number;
}

/** One run phase of one system, size and read ratio. */
export interface RunRecord {
  variant: string;
  system: SystemName;
  size: ValueSizeId;
  readRatio: ReadRatio;
  repeat: number;
  /** Closed: every client waits for its answer (saturation); open: a fixed arrival rate. */
  loop: "closed" | "open";
  /** The open loop's total rate, ops/s (0 for closed). */
  targetOpsPerSec: number;
  threadCount: number;
  runtimeMs: number;
  operations: number;
  throughput: number;
  /**
   * Per operation type. Closed loop: from send to answer. Open loop: from the intended start
   * (the driver's Intended-<OP>, coordinated omission corrected).
   */
  latency: Partial<Record<OpName, LatencyStats>>;
  /** Open loop only: from send to answer; far below `latency` when requests queued behind a backlog. */
  serviceLatency?: Partial<Record<OpName, LatencyStats>>;
  /** Operations that returned an error (READ-FAILED, UPDATE-FAILED). */
  failedOperations: number;
  /** Reads that returned bytes never written, or nothing for an acknowledged key. */
  corrupted: number;
  missingAcknowledged: number;
  cpu: RunCpu;
  /** The driver's full result, relative to the run folder. */
  rawFile: string;
}

/** Everything measured on one deployment: the load, then the run phases in order. */
export interface SystemRuns {
  variant: Variant;
  size: ValueSizeId;
  repeat: number;
  load: LoadReport;
  /** RSS and stats around the load (when asked for). */
  memory?: MemoryMeasurement;
  runs: RunRecord[];
  processes: ProcessInfo[];
}

/** A run phase to drive: closed loop, or open loop at `targetOpsPerSec`. */
export interface RunPhase {
  readRatio: ReadRatio;
  targetOpsPerSec?: number;
}

export interface MeasureRequest {
  variant: Variant;
  size: ValueSizeId;
  records: number;
  repeat: number;
  phases: RunPhase[];
  settings: RunSettings;
  /** Read RSS and stats before and after the load (fig-coding). */
  measureMemory?: boolean;
}

/** The system could not be deployed: the caller skips its other settings and reports it missing. */
export class BringUpError extends Error {}

/** "cocytus-1k-r2": the prefix of a setting's raw files. */
export function rawPrefix(variant: Variant, size: ValueSizeId, repeat: number, repeats: number): string {
  const name = variant.label.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
  return `${name}-${size}${repeats > 1 ? `-r${repeat + 1}` : ""}`;
}

/** Processes the values are spread over: 15 (plain processes, pbr groups, cocytus 5 groups × 3); cocytus RS(k, m): 5 groups × k. */
function valueHolders(variant: Variant): number {
  return variant.k === undefined ? 15 : 5 * variant.k;
}

/** Deploys, loads, drives every phase, tears down (on every path). Raw driver output goes to raw/. */
export async function measureVariant(context: ExperimentContext, progress: Progress, request: MeasureRequest): Promise<SystemRuns> {
  const { config, cleanup, folder, signal } = context;
  const { variant, size, records, settings } = request;
  const prefix = rawPrefix(variant, size, request.repeat, config.repeat);
  const valueBytesBound = records * Number(valueSizeById(size).properties.fieldlength);

  progress.phase("deploying");
  const pending = bringUp(variant.system, {
    cluster: config.cluster,
    memoryMb: memoryPerProcessMb(valueBytesBound, valueHolders(variant)),
    statePath: folder.file(`raw/${prefix}-deployment.json`),
    signal,
    serverArgs: [...TOLERANT_FAILURE_DETECTION],
    ...(variant.k !== undefined ? { k: variant.k, m: variant.m } : {}),
  });
  const tearDown = cleanup.add(`${variant.label} deployment`, async () => (await pending.catch(() => undefined))?.teardown());
  let sut: SystemUnderTest;
  try {
    sut = await pending;
  } catch (error) {
    await tearDown();
    throwIfAborted(signal);
    throw new BringUpError((error as Error).message);
  }
  try {
    let before: MemoryReading | undefined;
    if (request.measureMemory) {
      // As fig-memory: a warm-up load of other keys first, so that a process's start-up growth
      // (JIT-compiled request paths, heap sizing) is not charged per value byte.
      const warmup = warmupFor(valueSizeById(size), records, valueHolders(variant));
      if (warmup.records > 0) {
        progress.phase("warm-up");
        await loadWarmup(warmup, { processTable: sut.processes, routing: sut.routing }, records, config.seed, signal);
      }
      before = await readMemory(sut, SETTLE_MS[config.profile], signal);
    }
    progress.phase("loading", 0);
    const loaded = await checkedLoad(
      {
        processTable: sut.processes,
        routing: sut.routing,
        properties: valueSizeById(size).properties,
        records,
        seed: config.seed,
        signal,
        onProgress: (fraction) => progress.phase("loading", fraction),
        timeLimitSeconds: Math.max(120, records / 200),
      },
      folder,
      prefix,
    );

    let memory: MemoryMeasurement | undefined;
    let statsAfterLoad: MemoryReading["stats"];
    if (before) {
      progress.phase("RSS and stats after loading");
      const after = await readMemory(sut, SETTLE_MS[config.profile], signal);
      memory = summarizeMemory(variant.label, size, request.repeat, loaded.report, processMemory(sut.processes, before, after));
      const unsettled = new Set([...before.unsettled, ...after.unsettled]);
      if (unsettled.size > 0) memory.unsettled = [...unsettled];
      statsAfterLoad = after.stats;
    } else {
      statsAfterLoad = await sut.readStats();
    }
    throwIfLostMembers(sut.processes, statsAfterLoad, "so the run phases would measure a degraded scheme");

    const runs: RunRecord[] = [];
    for (const phase of request.phases) {
      throwIfAborted(signal);
      const open = (phase.targetOpsPerSec ?? 0) > 0;
      const label = `${readRatioLabel(phase.readRatio)} ${open ? `open loop at ${Math.round(phase.targetOpsPerSec ?? 0)} ops/s` : "closed loop"}`;
      progress.phase(label);
      const rawFile = `raw/${prefix}-${phase.readRatio}-${open ? "open" : "closed"}.json`;
      const { result, samples, originMs } = await drivePhase(sut, phase, size, records, settings, config.seed, signal, (fraction) => progress.phase(label, fraction));
      throwIfAborted(signal);
      await folder.writeJson(rawFile, { driver: result, cpuSamples: samples, originMs });
      throwIfLostMembers(sut.processes, await sut.readStats(), `so this phase measured a degraded scheme (its driver output is kept in ${rawFile})`);
      const window = cpuOverWindow(samples, originMs + result.warmupMs, originMs + result.warmupMs + result.runtimeMs);
      runs.push(runRecord({ variant, size, repeat: request.repeat, readRatio: phase.readRatio, rawFile, processes: sut.processes }, result, window));
    }
    return { variant, size, repeat: request.repeat, load: loaded.report, memory, runs, processes: sut.processes };
  } catch (error) {
    await folder.writeJson(`raw/${prefix}-logs.json`, await sut.logs().catch((e: Error) => ({ error: e.message })));
    throw error;
  } finally {
    progress.phase("teardown");
    await tearDown();
  }
}

interface MemoryReading {
  rss: Map<string, number>;
  /** Processes whose idle collection was still pending when RSS was read. */
  unsettled: string[];
  stats: Awaited<ReturnType<SystemUnderTest["readStats"]>>;
}

/** RSS and stats once the servers' idle collections are over (a load's garbage gone) and `settleMs` more. */
async function readMemory(sut: SystemUnderTest, settleMs: number, signal: AbortSignal): Promise<MemoryReading> {
  const unsettled = await settleIdleCollections(() => sut.readStats(), { afterMs: settleMs, signal });
  return { rss: await sut.readRss(), stats: await sut.readStats(), unsettled };
}

function processMemory(processes: ProcessInfo[], before: MemoryReading, after: MemoryReading): ProcessMemory[] {
  return processes.map((p) => ({
    id: p.id,
    role: p.role,
    node: p.node,
    host: p.host,
    port: p.port,
    pid: p.pid,
    rssBefore: before.rss.get(p.id) ?? 0,
    rssAfter: after.rss.get(p.id) ?? 0,
    statsBefore: before.stats.get(p.id) ?? {},
    statsAfter: after.stats.get(p.id) ?? {},
  }));
}

/** One run phase with CPU sampled around it; `originMs` is the driver's time zero (warm-up starts there). */
async function drivePhase(sut: SystemUnderTest, phase: RunPhase, size: ValueSizeId, records: number, settings: RunSettings, seed: number, signal: AbortSignal, onFraction: (fraction: number) => void): Promise<{ result: YcsbResult; samples: CpuSample[]; originMs: number }> {
  const sampler = new CpuSampler(async () => Object.fromEntries(await sut.readCpu()), settings.cpuSampleMs);
  await sampler.start();
  const calledMs = Date.now();
  let originMs: number | undefined;
  const totalMs = (settings.warmupSeconds + settings.runSeconds) * 1000;
  let result: YcsbResult;
  try {
    result = await runYcsb({
      phase: "run",
      propertyFiles: [workloadFile(phase.readRatio, size)],
      properties: {
        recordcount: records,
        operationcount: operationCap(settings),
        maxexecutiontime: Math.ceil(settings.warmupSeconds + settings.runSeconds),
        warmuptime: settings.warmupSeconds,
        ...(phase.targetOpsPerSec ? { threadcount: settings.openLoopThreadCount, target: Math.round(phase.targetOpsPerSec) } : { threadcount: settings.threadCount }),
      },
      processTable: sut.processes,
      routing: sut.routing,
      seed,
      workers: settings.workers,
      signal,
      onProgress: (p) => {
        originMs ??= Date.now() - p.elapsedMs;
        onFraction(Math.min(1, p.elapsedMs / totalMs));
      },
    });
  } catch (error) {
    // The driver's error says more than a sampling failure would.
    await sampler.stop().catch(() => undefined);
    throw error;
  }
  const samples = await sampler.stop();
  return { result, samples, originMs: originMs ?? calledMs };
}

/** Turns a driver result and the CPU window into a RunRecord (pure: tested on fixed data). */
export function runRecord(
  meta: { variant: Variant; size: ValueSizeId; repeat: number; readRatio: ReadRatio; rawFile: string; processes: ProcessInfo[] },
  result: YcsbResult,
  window: { seconds: number; processes: Record<string, number>; clientCpuSeconds: number },
): RunRecord {
  const open = result.target > 0;
  const latencies = (prefix: string) => {
    const found: Partial<Record<OpName, LatencyStats>> = {};
    for (const op of opNames) {
      const measured = result.measurements[`${prefix}${op}`];
      if (!measured || measured.count === 0) continue;
      const { statuses: _statuses, ...stats } = measured;
      found[op] = stats;
    }
    return found;
  };
  const failedOperations = opNames.reduce((sum, op) => sum + (result.measurements[`${op}-FAILED`]?.count ?? 0), 0);
  return {
    variant: meta.variant.label,
    system: meta.variant.system,
    size: meta.size,
    readRatio: meta.readRatio,
    repeat: meta.repeat,
    loop: open ? "open" : "closed",
    targetOpsPerSec: result.target,
    threadCount: result.threadCount,
    runtimeMs: result.runtimeMs,
    operations: result.operations,
    throughput: result.throughput,
    latency: latencies(open ? "Intended-" : ""),
    ...(open ? { serviceLatency: latencies("") } : {}),
    failedOperations,
    corrupted: result.verification.corrupted,
    missingAcknowledged: result.verification.missingAcknowledged,
    cpu: {
      seconds: window.seconds,
      processes: meta.processes.map((p) => ({ id: p.id, role: p.role, node: p.node, cpuSeconds: window.processes[p.id] ?? 0 })),
      clientCpuSeconds: window.clientCpuSeconds,
    },
    rawFile: meta.rawFile,
  };
}
