/**
 * fig-recovery: R:W 95:5 with 1 KB values under a steady closed-loop load; a node is killed, then
 * a second one; throughput and latency per second with the kills marked, cocytus's recovery
 * (preparation blocking, pages repaired, repair rate, requests that waited) from every process's
 * `stats`, pbr's failover beside it, and the codec's decode rate on this machine.
 */
import { writeFigure } from "../../report/render.ts";
import { throwIfAborted } from "../cleanup.ts";
import { gitState } from "../environment.ts";
import { failedOperationsTolerance, type Unavailable } from "../fig-throughput/campaign.ts";
import { Progress } from "../progress.ts";
import type { ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { measureDecodeRate, type DecodeRate } from "./decode-rate.ts";
import { FaultBringUpError, measureFaultRun, type FaultReadRatio, type FaultRun, type FaultVariant } from "./fault-run.ts";
import { recoveryFigureData } from "./figure-data.ts";
import { checkTimeline, memoryShortfall, recoveryPlans, resolvePlan, type FaultPlan } from "./plan.ts";
import { perSecond, recoveryEpisodes } from "./recovery-metrics.ts";
import { recoverySummary } from "./summary.ts";

export const recoveryVariants: FaultVariant[] = [
  { label: "pbr", system: "pbr", serverArgs: [] },
  { label: "cocytus", system: "cocytus", serverArgs: [] },
];

export const figRecovery: ExperimentDefinition = {
  name: "fig-recovery",
  what: "R:W 95:5, 1 KB values, closed loop through the proxy; node 0 killed, then node 1; throughput and latency per second with the kills marked; cocytus preparation blocking, pages repaired, repair rate (beside the codec's decode rate), requests that waited; pbr failover beside it",
  fastTime: "~3-5 min (100 000 records, a 50 s run per system, kills at 10 s and 30 s)",
  paperTime: "the paper's 12 GB per node needs ~200 GiB of RAM; with --records N: load time + 6 min per system",
  resources: "one deployment at a time: 45 (pbr) or 25 (cocytus) processes, the proxy and the driver in this process; RAM ~3.6× the values loaded",
  systems: recoveryVariants.map((v) => v.label),
  preflight: async (config) => memoryShortfall(resolvePlan(recoveryPlans[config.profile], config.records).records),
  run: (context) => runFaultExperiment(context, { name: "fig-recovery", variants: recoveryVariants, readRatios: [95], plan: resolvePlan(recoveryPlans[context.config.profile], context.config.records) }),
};

/** The lines every fault experiment's summary starts with. */
export async function faultHeader(context: ExperimentContext, plan: FaultPlan): Promise<string[]> {
  const { config, folder } = context;
  const git = await gitState();
  return [
    `Run ${folder.id}: profile --${config.profile}, cluster ${config.cluster}, seed ${config.seed}, ${config.repeat} repeat(s) (the run with the median throughput shown), commit ${git.commit.slice(0, 12)}${git.dirty ? " (dirty)" : ""}.`,
    `${plan.records} records of 1 KB loaded (${((plan.records * 1024) / 2 ** 20).toFixed(0)} MiB of values across the cluster). Run phase: ${plan.runSeconds} s (${plan.warmupSeconds} s warm-up), ${plan.threadCount} closed-loop clients on ${plan.workers} driver threads, Zipfian keys (workloads/workloads/paper-<reads>-1k); ${plan.kills.map((k) => `node ${k.node} killed at ${k.atSeconds} s`).join(", ")} (SIGKILL to every process on the node, as \`harness kill node N\`).`,
  ];
}

export interface FaultExperiment {
  name: "fig-recovery" | "fig-blocked";
  variants: FaultVariant[];
  readRatios: FaultReadRatio[];
  plan: FaultPlan;
  /** An experiment's own check of a measured run: undefined, or why it does not count. */
  check?: (run: FaultRun, variant: FaultVariant) => string | undefined;
}

export interface FaultCampaign {
  /** With repeats, the run of median throughput per variant and read ratio. */
  runs: FaultRun[];
  unavailable: Unavailable[];
  failures: string[];
}

/** Every variant at every read ratio, `repeat` times; a system that cannot be deployed is reported and skipped. */
export async function runFaultCampaign(context: ExperimentContext, progress: Progress, experiment: FaultExperiment, variants: FaultVariant[]): Promise<FaultCampaign> {
  const { config } = context;
  const all: FaultRun[] = [];
  const unavailable: Unavailable[] = [];
  const failures: string[] = [];
  for (let repeat = 0; repeat < config.repeat; repeat++) {
    for (const variant of variants) {
      for (const readRatio of experiment.readRatios) {
        if (unavailable.some((u) => u.system === variant.label)) continue;
        throwIfAborted(context.signal);
        const label = `${variant.label} · ${readRatio}:${100 - readRatio}${config.repeat > 1 ? ` · repeat ${repeat + 1}/${config.repeat}` : ""}`;
        progress.step(label);
        const prefix = `${variant.label.replace(/[^A-Za-z0-9]+/g, "-")}-${readRatio}${config.repeat > 1 ? `-r${repeat + 1}` : ""}`;
        try {
          const run = await measureFaultRun(context, progress, { variant, readRatio, plan: experiment.plan, prefix });
          all.push(run);
          const failed = run.failed.READ + run.failed.UPDATE;
          progress.log(`${label}: ${Math.round(run.okThroughput)} ops/s answered OK, ${failed} failed ops, ${run.corrupted} corrupted, ${run.missingAcknowledged} acknowledged keys missing`);
          if (failed > failedOperationsTolerance * run.operations) {
            failures.push(`${experiment.name}: ${label}: ${failed} of ${run.operations} operations failed (more than ${failedOperationsTolerance * 100} %; first errors: ${run.errors.slice(0, 2).join(" | ")}); see ${run.rawFile}`);
          }
          if (run.corrupted > 0 || run.missingAcknowledged > 0) {
            failures.push(`${experiment.name}: ${label}: ${run.corrupted} corrupted reads and ${run.missingAcknowledged} acknowledged keys missing (${run.verificationExamples.slice(0, 3).join(", ")}); see ${run.rawFile}`);
          }
          const problem = experiment.check?.(run, variant);
          if (problem) failures.push(`${experiment.name}: ${label}: ${problem}`);
          if (run.system === "cocytus" && recoveryEpisodes(run).length === 0) {
            failures.push(`${experiment.name}: ${label}: no cocytus recovery showed in any process's stats after the kills (recovery_start stayed 0); see raw/${prefix}-logs/`);
          }
        } catch (error) {
          throwIfAborted(context.signal);
          const message = (error as Error).message;
          if (error instanceof FaultBringUpError) {
            unavailable.push({ system: variant.label, reason: `could not be brought up: ${message}` });
            failures.push(`${experiment.name}: ${variant.label}: could not be brought up: ${message}`);
            progress.log(`${variant.label}: not measured: ${message}`);
            continue;
          }
          failures.push(`${experiment.name}: ${label}: ${message}`);
          progress.log(`${label}: FAILED: ${message}`);
        }
      }
    }
  }
  return { runs: medianFaultRuns(all), unavailable, failures };
}

/** Per variant and read ratio, the repeat with the median overall throughput, in first-measured order. */
export function medianFaultRuns(runs: readonly FaultRun[]): FaultRun[] {
  const groups = new Map<string, FaultRun[]>();
  for (const run of runs) {
    const key = `${run.variant}\u0000${run.readRatio}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((repeats) => [...repeats].sort((a, b) => a.throughput - b.throughput)[Math.floor((repeats.length - 1) / 2)]);
}

export const timelineCsvColumns = ["system", "read_ratio", "second", "ok_per_sec", "failed_per_sec", "p50_us", "p99_us"];
export const episodeCsvColumns = ["system", "read_ratio", "kill", "leader", "group", "hosted", "recovery_start_s", "recovery_end_s", "prep_block_ms", "pages_repaired", "bytes_repaired", "repair_bytes_per_sec", "server_repair_bytes_per_sec", "requests_waited_on_repair", "state"];

/** timeline.csv, kills.csv and recovery.csv of a fault experiment. */
export async function writeFaultCsvs(context: ExperimentContext, runs: readonly FaultRun[]): Promise<void> {
  const { folder } = context;
  await folder.writeCsv(
    "timeline.csv",
    runs.flatMap((run) =>
      perSecond(run.timeSeries).map((p) => ({ system: run.variant, read_ratio: run.readRatio, second: p.second, ok_per_sec: p.okPerSec.toFixed(0), failed_per_sec: p.failedPerSec.toFixed(0), p50_us: p.p50 ?? "", p99_us: p.p99 ?? "" })),
    ),
    timelineCsvColumns,
  );
  await folder.writeCsv(
    "kills.csv",
    runs.flatMap((run) => run.kills.map((k, i) => ({ system: run.variant, read_ratio: run.readRatio, kill: i + 1, node: k.node, planned_s: k.plannedSeconds, at_s: k.second.toFixed(3), at: new Date(k.atMs).toISOString(), processes: k.processes.join(" ") }))),
    ["system", "read_ratio", "kill", "node", "planned_s", "at_s", "at", "processes"],
  );
  await folder.writeCsv(
    "recovery.csv",
    runs.flatMap((run) =>
      recoveryEpisodes(run).map((e) => ({
        system: run.variant,
        read_ratio: run.readRatio,
        kill: e.kill + 1,
        leader: e.process,
        group: e.group,
        hosted: e.hosted,
        recovery_start_s: ((e.startMs - run.startedAtMs) / 1000).toFixed(3),
        recovery_end_s: e.endMs > 0 ? ((e.endMs - run.startedAtMs) / 1000).toFixed(3) : "",
        prep_block_ms: e.prepBlockMs,
        pages_repaired: e.pagesRepaired,
        bytes_repaired: e.bytesRepaired,
        repair_bytes_per_sec: e.bytesPerSec?.toFixed(0) ?? "",
        server_repair_bytes_per_sec: e.serverBytesPerSec,
        requests_waited_on_repair: e.requestsWaited,
        state: e.state,
      })),
    ),
    episodeCsvColumns,
  );
}

async function runFaultExperiment(context: ExperimentContext, experiment: FaultExperiment): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  checkTimeline(experiment.plan);
  const variants = experiment.variants.filter((v) => !config.systems || config.systems.includes(v.label));
  const steps = config.repeat * variants.length * experiment.readRatios.length;
  const progress = new Progress(experiment.name, steps, steps);
  let decode: DecodeRate | undefined;
  try {
    // Before any deployment, while this machine is as quiet as it gets.
    decode = await measureDecodeRate();
    await folder.writeJson("raw/decode-rate.json", decode);
    progress.log(`decode rate: ${(decode.bytesPerSec / 1e6).toFixed(0)} MB/s of rebuilt pages (${decode.codec}, RS(${decode.k},${decode.m}))`);
  } catch (error) {
    progress.log(`decode rate not measured: ${(error as Error).message}`);
  }
  const campaign = await runFaultCampaign(context, progress, experiment, variants);
  progress.done();

  await writeFaultCsvs(context, campaign.runs);
  const figure = await writeFigure(folder.path, "fig-recovery", recoveryFigureData(campaign.runs));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);
  const summary = recoverySummary({ runs: campaign.runs, unavailable: campaign.unavailable, header: await faultHeader(context, experiment.plan), decode });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  return { ok: campaign.failures.length === 0, failures: campaign.failures };
}
