/**
 * fig-throughput: for each system and value size, deploy, load once, then drive closed-loop YCSB
 * run phases at 50, 95 and 100 % reads (the paper's workloads); throughput per system, read ratio
 * and size, with Cocytus / PBR beside the targets of DESIGN section 12.
 */
import { writeFigure } from "../../report/render.ts";
import { gitState } from "../environment.ts";
import { chosenSizes, valueSizeById, valueSizeIds, type ValueSizeId } from "../fig-memory/value-sizes.ts";
import { Progress } from "../progress.ts";
import type { ExperimentConfig, ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { medianRuns, plannedVariants, runCampaign, type CampaignStep } from "./campaign.ts";
import { throughputFigureData } from "./figure-data.ts";
import type { RunRecord, Variant } from "./measurement.ts";
import { readRatioLabel, readRatios, recordsPerSize, runSettings } from "./plan.ts";
import { throughputSummary } from "./summary.ts";

export const throughputVariants: Variant[] = [
  { label: "plain", system: "plain" },
  { label: "pbr", system: "pbr" },
  { label: "cocytus", system: "cocytus" },
  { label: "memcached", system: "memcached" },
];

/** --fast: 1 KB only (a few minutes); --paper: the paper's four value sizes. */
export const throughputSizes: Record<ExperimentConfig["profile"], ValueSizeId[]> = { fast: ["1k"], paper: ["1k", "4k", "16k", "zipf"] };

/** The sizes a run measures: --sizes (validated by the runner), else the profile's. */
export function sizesFor(config: ExperimentConfig): ValueSizeId[] {
  return config.sizes ? chosenSizes(config.sizes).map((size) => size.id) : throughputSizes[config.profile];
}

export const figThroughput: ExperimentDefinition = {
  name: "fig-throughput",
  what: "closed-loop throughput at 50 / 95 / 100 % reads per system (plain, pbr, cocytus, native memcached ×15) and value size; Cocytus / PBR against the targets",
  fastTime: "~3-4 min (1 KB, 20 000 records, 5 s per read ratio)",
  paperTime: "~1 h (four sizes, ~1 GB of values each, 60 s per read ratio)",
  resources: "one deployment at a time: 15 (plain, memcached), 45 (pbr) or 25 (cocytus) processes; the ycsb-ts driver on 2 worker threads",
  systems: ["plain", "pbr", "cocytus", "memcached"],
  sizes: valueSizeIds,
  run: runFigThroughput,
};

/** One step per system and size: load once, then the three read ratios closed-loop. */
export function throughputSteps(variants: Variant[], sizes: ValueSizeId[], config: ExperimentConfig): CampaignStep[] {
  return variants.flatMap((variant) => sizes.map((size) => ({ variant, size, records: recordsFor(config, size), phases: readRatios.map((readRatio) => ({ readRatio })) })));
}

/** Records loaded for a value size: --records, else the profile's. */
export function recordsFor(config: ExperimentConfig, size: ValueSizeId): number {
  return config.records ?? recordsPerSize[config.profile][size];
}

/** The lines every run-phase experiment's summary starts with. */
export async function runHeader(context: ExperimentContext, sizes: ValueSizeId[], recordsOf: (size: ValueSizeId) => number, extra: string[] = []): Promise<string[]> {
  const { config, folder } = context;
  const git = await gitState();
  const settings = runSettings[config.profile];
  return [
    `Run ${folder.id}: profile --${config.profile}, cluster ${config.cluster}, seed ${config.seed}, ${config.repeat} repeat(s) (median shown), commit ${git.commit.slice(0, 12)}${git.dirty ? " (dirty)" : ""}.`,
    `Records loaded per setting: ${sizes.map((s) => `${valueSizeById(s).label} ${recordsOf(s)}`).join(", ")}. Each run phase: ${settings.warmupSeconds} s warm-up + ${settings.runSeconds} s measured, ${settings.threadCount} closed-loop clients on ${settings.workers} driver threads, Zipfian keys (workloads/workloads/paper-<reads>-<size>).`,
    ...extra,
  ];
}

export const throughputCsvColumns = ["system", "size", "read_ratio", "loop", "target_ops_per_sec", "clients", "repeat", "runtime_ms", "operations", "throughput", "failed_operations", "read_avg_us", "read_p99_us", "update_avg_us", "update_p99_us", "raw"];

export function throughputCsvRows(runs: RunRecord[]) {
  return runs.map((r) => ({
    system: r.variant,
    size: r.size,
    read_ratio: readRatioLabel(r.readRatio),
    loop: r.loop,
    target_ops_per_sec: r.targetOpsPerSec,
    clients: r.threadCount,
    repeat: r.repeat,
    runtime_ms: r.runtimeMs,
    operations: r.operations,
    throughput: r.throughput.toFixed(1),
    failed_operations: r.failedOperations,
    read_avg_us: r.latency.READ?.avg.toFixed(1) ?? "",
    read_p99_us: r.latency.READ?.p99 ?? "",
    update_avg_us: r.latency.UPDATE?.avg.toFixed(1) ?? "",
    update_p99_us: r.latency.UPDATE?.p99 ?? "",
    raw: r.rawFile,
  }));
}

async function runFigThroughput(context: ExperimentContext): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  const sizes = sizesFor(config);
  const { variants, unavailable } = await plannedVariants(throughputVariants, config.systems);
  const steps = throughputSteps(variants, sizes, config);
  const progress = new Progress("fig-throughput", steps.length * config.repeat, steps.length * config.repeat);
  const campaign = await runCampaign(context, progress, "fig-throughput", steps, runSettings[config.profile], unavailable);
  progress.done();

  const all = campaign.measured.flatMap((m) => m.runs);
  const runs = medianRuns(campaign.measured);
  await folder.writeCsv("throughput.csv", throughputCsvRows(runs), throughputCsvColumns);
  await folder.writeCsv("throughput-repeats.csv", throughputCsvRows(all), throughputCsvColumns);
  const figure = await writeFigure(folder.path, "fig-throughput", throughputFigureData(runs));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);

  const summary = throughputSummary({ runs, unavailable: campaign.unavailable, header: await runHeader(context, sizes, (size) => recordsFor(config, size)) });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  return { ok: campaign.failures.length === 0, failures: campaign.failures };
}
