/**
 * What the YCSB run-phase experiments (fig-throughput, fig-latency, table-cpu, fig-coding) drive:
 * the paper's read ratios and value sizes (workloads/workloads/paper-<reads>-<size>), how many
 * records each profile loads, and how long and how hard each run phase pushes.
 */
import { fileURLToPath } from "node:url";
import type { ValueSizeId } from "../fig-memory/value-sizes.ts";
import type { Profile } from "../types.ts";

/** Percent of operations that are reads; the rest are updates (the paper's 50:50, 95:5, 100:0). */
export type ReadRatio = 50 | 95 | 100;
export const readRatios: readonly ReadRatio[] = [50, 95, 100];

export function readRatioLabel(ratio: ReadRatio): string {
  return `${ratio}:${100 - ratio}`;
}

/** The paper's property file for a read ratio and value size (the load phase uses the same one). */
export function workloadFile(ratio: ReadRatio, size: ValueSizeId): string {
  return fileURLToPath(new URL(`../../../workloads/workloads/paper-${ratio}-${size}`, import.meta.url));
}

/**
 * Records loaded per value size. --fast keeps loads to a few seconds (~20 MB of values);
 * --paper loads ~1 GB per setting (the paper loaded 12 GB per node, more than this machine holds).
 */
export const recordsPerSize: Record<Profile, Record<ValueSizeId, number>> = {
  fast: { "1k": 20_000, "4k": 5_000, "16k": 1_250, zipf: 20_000 },
  paper: { "1k": 1_000_000, "4k": 250_000, "16k": 62_500, zipf: 1_000_000 },
};

/** How one closed-loop (or open-loop) run phase is driven. */
export interface RunSettings {
  /** Measured seconds of each run phase, after the warm-up. */
  runSeconds: number;
  warmupSeconds: number;
  /** YCSB clients (threadcount): enough outstanding requests to saturate the servers. */
  threadCount: number;
  /**
   * Clients of an open-loop run. Each client has one request outstanding, so a client stuck
   * behind a slow answer delays its next intended start; more clients spread the offered rate thinner.
   */
  openLoopThreadCount: number;
  /** Driver worker threads. */
  workers: number;
  /** How often every process's CPU time is read during a run. */
  cpuSampleMs: number;
}

export const runSettings: Record<Profile, RunSettings> = {
  fast: { runSeconds: 5, warmupSeconds: 1, threadCount: 32, openLoopThreadCount: 128, workers: 2, cpuSampleMs: 500 },
  // The paper's client ran YCSB with 80 threads.
  paper: { runSeconds: 60, warmupSeconds: 10, threadCount: 80, openLoopThreadCount: 320, workers: 2, cpuSampleMs: 1000 },
};

/** Operation cap of a run phase: far above what the time bound lets through, so the time ends it (both bound it). */
export function operationCap(settings: RunSettings): number {
  return (settings.runSeconds + settings.warmupSeconds) * 1_000_000;
}
