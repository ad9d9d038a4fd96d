/**
 * The loop the run-phase experiments share: for each repeat, system (variant) and value size,
 * one deployment measured by measureVariant. A system that cannot be brought up is reported
 * missing with the reason and its other settings are skipped; other failures are recorded and
 * the campaign goes on. Nothing is invented for what was not measured.
 */
import { throwIfAborted } from "../cleanup.ts";
import { nativeMemcachedVersion } from "../environment.ts";
import { valueSizeById, type ValueSizeId } from "../fig-memory/value-sizes.ts";
import type { Progress } from "../progress.ts";
import type { ExperimentContext } from "../types.ts";
import { BringUpError, measureVariant, type RunPhase, type RunRecord, type SystemRuns, type Variant } from "./measurement.ts";
import type { ReadRatio, RunSettings } from "./plan.ts";

export interface Unavailable {
  system: string;
  reason: string;
}

export interface CampaignStep {
  variant: Variant;
  size: ValueSizeId;
  records: number;
  phases: RunPhase[];
  measureMemory?: boolean;
}

export interface CampaignResult {
  measured: SystemRuns[];
  unavailable: Unavailable[];
  failures: string[];
}

/** More failed operations than this fraction makes a run phase a failure (its data is kept). */
export const failedOperationsTolerance = 0.01;

/**
 * The variants to measure: those asked for with --systems, else all; native memcached only when
 * installed (it is the optional reference), the rest are tried and reported if they fail.
 */
export async function plannedVariants(all: Variant[], requested: string[] | undefined): Promise<{ variants: Variant[]; unavailable: Unavailable[] }> {
  if (requested) return { variants: all.filter((v) => requested.includes(v.system) || requested.includes(v.label)), unavailable: [] };
  if (!all.some((v) => v.system === "memcached") || (await nativeMemcachedVersion())) return { variants: all, unavailable: [] };
  return {
    variants: all.filter((v) => v.system !== "memcached"),
    unavailable: [{ system: "memcached", reason: "native memcached is not installed (the optional reference; Debian package memcached)" }],
  };
}

/** Runs every step `repeats` times, in order; steps of a system that could not be brought up are skipped. */
export async function runCampaign(context: ExperimentContext, progress: Progress, name: string, steps: CampaignStep[], settings: RunSettings, unavailable: Unavailable[] = []): Promise<CampaignResult> {
  const measured: SystemRuns[] = [];
  const missing = [...unavailable];
  const failures: string[] = [];
  for (let repeat = 0; repeat < context.config.repeat; repeat++) {
    for (const step of steps) {
      if (missing.some((u) => u.system === step.variant.label)) continue;
      throwIfAborted(context.signal);
      const label = `${step.variant.label} · ${valueSizeById(step.size).label}${context.config.repeat > 1 ? ` · repeat ${repeat + 1}/${context.config.repeat}` : ""}`;
      progress.step(label);
      try {
        const runs = await measureVariant(context, progress, { ...step, repeat, settings });
        measured.push(runs);
        for (const run of runs.runs) {
          progress.log(`${label} ${run.readRatio} % reads ${run.loop}: ${Math.round(run.throughput)} ops/s`);
          const problem = runProblem(run);
          if (problem) failures.push(`${name}: ${label} ${run.readRatio} % reads (${run.loop} loop): ${problem}; see ${run.rawFile}`);
        }
      } catch (error) {
        throwIfAborted(context.signal);
        const message = (error as Error).message;
        if (error instanceof BringUpError) {
          missing.push({ system: step.variant.label, reason: `could not be brought up: ${message}` });
          failures.push(`${name}: ${step.variant.label}: could not be brought up: ${message}`);
          progress.log(`${step.variant.label}: not measured: ${message}`);
          continue;
        }
        failures.push(`${name}: ${label}: ${message}`);
        progress.log(`${label}: FAILED: ${message}`);
      }
    }
  }
  return { measured, unavailable: missing, failures };
}

/** Why a run phase does not count as a clean measurement, or undefined. */
export function runProblem(run: RunRecord): string | undefined {
  if (run.corrupted > 0 || run.missingAcknowledged > 0) return `${run.corrupted} corrupted reads and ${run.missingAcknowledged} acknowledged keys missing`;
  if (run.operations === 0) return "no operation completed in the measured window";
  if (run.failedOperations > failedOperationsTolerance * run.operations) return `${run.failedOperations} of ${run.operations} operations failed`;
  return undefined;
}

/** With repeats, the run with the median throughput of each (variant, size, read ratio, loop), in first-measured order. */
export function medianRuns(measured: SystemRuns[]): RunRecord[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of measured.flatMap((m) => m.runs)) {
    const key = [run.variant, run.size, run.readRatio, run.loop].join("\u0000");
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((repeats) => [...repeats].sort((a, b) => a.throughput - b.throughput)[Math.floor((repeats.length - 1) / 2)]);
}

/** The run of a variant at a size and read ratio, if it was measured. */
export function findRun(runs: RunRecord[], variant: string, size: ValueSizeId, readRatio: ReadRatio, loop: RunRecord["loop"] = "closed"): RunRecord | undefined {
  return runs.find((r) => r.variant === variant && r.size === size && r.readRatio === readRatio && r.loop === loop);
}
