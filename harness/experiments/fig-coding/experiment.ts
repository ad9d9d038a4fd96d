/**
 * fig-coding: Cocytus with RS(2,3), RS(3,2) and RS(4,1). Each scheme is deployed, its RSS and
 * stats read before and after loading 1 KB values (memory per value byte, fig-memory's
 * arithmetic), then driven closed-loop at 95 % and 50 % reads (throughput, write latency).
 */
import type { ValueSizeId } from "../fig-memory/value-sizes.ts";
import { writeFigure } from "../../report/render.ts";
import { plannedVariants, runCampaign, type CampaignStep } from "../fig-throughput/campaign.ts";
import { runHeader } from "../fig-throughput/experiment.ts";
import { runSettings, type ReadRatio } from "../fig-throughput/plan.ts";
import { Progress } from "../progress.ts";
import type { ExperimentConfig, ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { codingFigureData } from "./figure-data.ts";
import { schemeResults, type SchemeResult } from "./measurements.ts";
import { schemes } from "./schemes.ts";
import { codingSummary } from "./summary.ts";

const size: ValueSizeId = "1k";
const codingRatios: readonly ReadRatio[] = [95, 50];

/**
 * 1 KB records loaded per scheme (~100 MB / ~1 GB of values). 25 processes' RSS grows by ~150 MB
 * of runtime whatever is loaded, so --fast's RSS figure is well above the stats one; the ordering holds.
 */
export const codingRecords: Record<ExperimentConfig["profile"], number> = { fast: 100_000, paper: 1_000_000 };

export const figCoding: ExperimentDefinition = {
  name: "fig-coding",
  what: "Cocytus with RS(2,3), RS(3,2), RS(4,1) (the paper's RS(2,5), RS(3,5), RS(4,5)): memory per value byte after loading 1 KB values, throughput and write latency at 95 % and 50 % reads",
  fastTime: "~4-5 min (100 000 records of 1 KB per scheme, 5 s per read ratio)",
  paperTime: "~20 min (1 000 000 records per scheme, 60 s per read ratio)",
  resources: "25 cocytus processes per scheme, one scheme at a time",
  systems: ["cocytus"],
  run: runFigCoding,
};

const csvColumns = ["scheme", "paper_name", "k", "m", "ideal_per_value_byte", "rss_per_value_byte", "stats_per_value_byte", "values_per_value_byte", "metadata_per_value_byte", "read_ratio", "throughput", "write_avg_us", "write_p50_us", "write_p99_us", "read_p50_us", "read_p99_us"];

function csvRows(results: SchemeResult[]) {
  return results.flatMap((r) =>
    codingRatios.map((ratio) => {
      const p = r.byRatio[ratio];
      return {
        scheme: r.scheme,
        paper_name: r.paperName,
        k: r.k,
        m: r.m,
        ideal_per_value_byte: r.ideal.toFixed(4),
        rss_per_value_byte: r.memory?.bytesPerValueByte.toFixed(4) ?? "",
        stats_per_value_byte: r.memory?.statsBytesPerValueByte?.toFixed(4) ?? "",
        values_per_value_byte: r.memory?.dataPerValueByte?.toFixed(4) ?? "",
        metadata_per_value_byte: r.memory?.metadataPerValueByte?.toFixed(4) ?? "",
        read_ratio: ratio,
        throughput: p?.throughput.toFixed(1) ?? "",
        write_avg_us: p?.write?.avg.toFixed(1) ?? "",
        write_p50_us: p?.write?.p50 ?? "",
        write_p99_us: p?.write?.p99 ?? "",
        read_p50_us: p?.read?.p50 ?? "",
        read_p99_us: p?.read?.p99 ?? "",
      };
    }),
  );
}

async function runFigCoding(context: ExperimentContext): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  const { variants, unavailable } = await plannedVariants([...schemes], config.systems);
  const records = config.records ?? codingRecords[config.profile];
  const steps: CampaignStep[] = variants.map((variant) => ({ variant, size, records, phases: codingRatios.map((readRatio) => ({ readRatio })), measureMemory: true }));
  const progress = new Progress("fig-coding", steps.length * config.repeat, steps.length * config.repeat);
  const campaign = await runCampaign(context, progress, "fig-coding", steps, runSettings[config.profile], unavailable);
  progress.done();

  const results = schemeResults(campaign.measured);
  await folder.writeCsv("coding.csv", csvRows(results), csvColumns);
  await folder.writeJson("raw/memory.json", campaign.measured.map((m) => ({ scheme: m.variant.label, repeat: m.repeat, memory: m.memory })));
  const figure = await writeFigure(folder.path, "fig-coding", codingFigureData(results));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);

  const header = await runHeader(context, [size], () => records, ["Memory is read around the load (RSS and stats of every process), after a warm-up load of other keys as in fig-memory; then 95:5 and 50:50 run closed-loop. At --fast scale RSS moves by about 1 MB a process (memory malloc freed after the warm-up is reused by the load), so the stats column is the steadier comparison."]);
  const summary = codingSummary({ results, unavailable: campaign.unavailable, header });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  return { ok: campaign.failures.length === 0, failures: campaign.failures };
}
