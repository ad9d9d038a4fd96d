/**
 * fig-latency: the fig-throughput run phases (closed loop, 50 / 95 / 100 % reads, per system and
 * size) measured for latency, then a second pass where every system is offered the same rate
 * open-loop (half the slowest system's maximum) so latencies compare at equal load. Average,
 * p50, p90 and p99 of reads and writes come from the driver's merged HdrHistograms.
 */
import { writeFigure } from "../../report/render.ts";
import { valueSizeIds } from "../fig-memory/value-sizes.ts";
import { medianRuns, plannedVariants, runCampaign } from "../fig-throughput/campaign.ts";
import { recordsFor, runHeader, sizesFor, throughputSteps, throughputVariants } from "../fig-throughput/experiment.ts";
import { opNames, type RunRecord } from "../fig-throughput/measurement.ts";
import { readRatioLabel, runSettings } from "../fig-throughput/plan.ts";
import { Progress } from "../progress.ts";
import type { ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { equalLoadFraction, equalLoadTargets, openLoopPhases } from "./equal-load.ts";
import { latencyFigureData } from "./figure-data.ts";
import { latencySummary } from "./summary.ts";

export const figLatency: ExperimentDefinition = {
  name: "fig-latency",
  what: "average and p50/p90/p99 latency of reads and writes per system (merged HdrHistograms): closed loop at 50 / 95 / 100 % reads, then open loop at an equal offered load (coordinated omission corrected)",
  fastTime: "~5-7 min (1 KB; two deployments per system: closed loop, then open loop)",
  paperTime: "~2 h (four sizes, 60 s per phase)",
  resources: "as fig-throughput, one deployment at a time",
  systems: ["plain", "pbr", "cocytus", "memcached"],
  sizes: valueSizeIds,
  run: runFigLatency,
};

export const latencyCsvColumns = ["system", "size", "read_ratio", "loop", "offered_ops_per_sec", "throughput", "op", "count", "avg_us", "p50_us", "p90_us", "p95_us", "p99_us", "p999_us", "max_us", "raw"];

export function latencyCsvRows(runs: RunRecord[]) {
  return runs.flatMap((r) =>
    opNames
      .filter((op) => r.latency[op])
      .map((op) => {
        const s = r.latency[op]!;
        return {
          system: r.variant,
          size: r.size,
          read_ratio: readRatioLabel(r.readRatio),
          loop: r.loop,
          offered_ops_per_sec: r.targetOpsPerSec,
          throughput: r.throughput.toFixed(1),
          op: op.toLowerCase(),
          count: s.count,
          avg_us: s.avg.toFixed(1),
          p50_us: s.p50,
          p90_us: s.p90,
          p95_us: s.p95,
          p99_us: s.p99,
          p999_us: s.p999,
          max_us: s.max,
          raw: r.rawFile,
        };
      }),
  );
}

async function runFigLatency(context: ExperimentContext): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  const sizes = sizesFor(config);
  const settings = runSettings[config.profile];
  const { variants, unavailable } = await plannedVariants(throughputVariants, config.systems);
  const closedSteps = throughputSteps(variants, sizes, config);
  const progress = new Progress("fig-latency", 2 * closedSteps.length * config.repeat, 2 * closedSteps.length * config.repeat);

  const closed = await runCampaign(context, progress, "fig-latency", closedSteps, settings, unavailable);
  const targets = equalLoadTargets(medianRuns(closed.measured), equalLoadFraction);
  const measuredVariants = variants.filter((v) => !closed.unavailable.some((u) => u.system === v.label));
  const openSteps = measuredVariants.flatMap((variant) =>
    sizes
      .map((size) => ({ variant, size, records: recordsFor(config, size), phases: openLoopPhases(targets, size) }))
      .filter((step) => step.phases.length > 0),
  );
  const open = await runCampaign(context, progress, "fig-latency", openSteps, settings, closed.unavailable);
  progress.done();

  const measured = [...closed.measured, ...open.measured];
  const runs = medianRuns(measured);
  await folder.writeCsv("latency.csv", latencyCsvRows(runs), latencyCsvColumns);
  await folder.writeCsv("latency-repeats.csv", latencyCsvRows(measured.flatMap((m) => m.runs)), latencyCsvColumns);
  await folder.writeJson("equal-load-targets.json", targets);
  const figure = await writeFigure(folder.path, "fig-latency", latencyFigureData(runs));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);

  const summary = latencySummary({ runs, targets, fraction: equalLoadFraction, unavailable: open.unavailable, header: await runHeader(context, sizes, (size) => recordsFor(config, size), [`Open-loop runs: ${settings.openLoopThreadCount} clients sharing the offered rate (a fresh deployment and load per system).`]) });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  const failures = [...closed.failures, ...open.failures];
  return { ok: failures.length === 0, failures };
}
