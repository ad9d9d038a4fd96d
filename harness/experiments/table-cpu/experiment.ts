/**
 * table-cpu: the paper's Table 2. Each system is loaded with 1 KB values and driven closed-loop
 * at 50, 95 and 100 % reads while every process's CPU time is sampled; CPU is summed per role
 * (memcached; plain; pbr primary / backup; cocytus data / parity) as % of one CPU and per
 * thousand operations.
 */
import { writeFigure } from "../../report/render.ts";
import { medianRuns, plannedVariants, runCampaign } from "../fig-throughput/campaign.ts";
import { recordsFor, runHeader, throughputSteps } from "../fig-throughput/experiment.ts";
import type { RunRecord, Variant } from "../fig-throughput/measurement.ts";
import { readRatioLabel, runSettings } from "../fig-throughput/plan.ts";
import { Progress } from "../progress.ts";
import type { ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { cpuFigureData } from "./figure-data.ts";
import { roleCpu, roleName, type RoleCpu } from "./role-cpu.ts";
import { cpuSummary, perKopTable, percentTable } from "./summary.ts";

const cpuVariants: Variant[] = [
  { label: "memcached", system: "memcached" },
  { label: "plain", system: "plain" },
  { label: "pbr", system: "pbr" },
  { label: "cocytus", system: "cocytus" },
];

export const tableCpu: ExperimentDefinition = {
  name: "table-cpu",
  what: "CPU of each role (memcached, plain, pbr primary/backup, cocytus data/parity) at 50 / 95 / 100 % reads, 1 KB values: % of one CPU (the paper's Table 2) and CPU seconds per 1000 operations",
  fastTime: "~3-4 min (1 KB, 20 000 records, 5 s per read ratio)",
  paperTime: "~15 min (1 KB, ~1 GB of values, 60 s per read ratio)",
  resources: "one deployment at a time: 15, 45 or 25 processes; per-process CPU read from /proc every 0.5-1 s",
  systems: ["memcached", "plain", "pbr", "cocytus"],
  run: runTableCpu,
};

const roleColumns = ["system", "role", "read_ratio", "processes", "cpu_seconds", "window_seconds", "percent_of_one_cpu", "cpu_seconds_per_kop", "throughput"];

function roleRows(rows: RoleCpu[]) {
  return rows.map((r) => ({
    system: r.system,
    role: r.role,
    read_ratio: readRatioLabel(r.readRatio),
    processes: r.processes,
    cpu_seconds: r.cpuSeconds.toFixed(3),
    window_seconds: r.windowSeconds.toFixed(3),
    percent_of_one_cpu: r.percentOfOneCpu.toFixed(1),
    cpu_seconds_per_kop: r.cpuSecondsPerKop.toFixed(4),
    throughput: r.throughput.toFixed(1),
  }));
}

const processColumns = ["system", "read_ratio", "repeat", "process", "role", "node", "cpu_seconds", "window_seconds"];

function processRows(runs: RunRecord[]) {
  return runs.flatMap((run) =>
    run.cpu.processes.map((p) => ({ system: run.variant, read_ratio: readRatioLabel(run.readRatio), repeat: run.repeat, process: p.id, role: roleName(run.system, p.role), node: p.node, cpu_seconds: p.cpuSeconds.toFixed(3), window_seconds: run.cpu.seconds.toFixed(3) })),
  );
}

async function runTableCpu(context: ExperimentContext): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  const { variants, unavailable } = await plannedVariants(cpuVariants, config.systems);
  const steps = throughputSteps(variants, ["1k"], config);
  const progress = new Progress("table-cpu", steps.length * config.repeat, steps.length * config.repeat);
  const campaign = await runCampaign(context, progress, "table-cpu", steps, runSettings[config.profile], unavailable);
  progress.done();

  const runs = medianRuns(campaign.measured);
  const rows = roleCpu(runs);
  await folder.writeCsv("cpu.csv", roleRows(rows), roleColumns);
  await folder.writeCsv("cpu-processes.csv", processRows(campaign.measured.flatMap((m) => m.runs)), processColumns);
  await folder.writeText("table-cpu.md", ["% of one CPU, summed per role (paper's Table 2 beside):", "", percentTable(rows), "", "CPU seconds per 1000 operations:", "", perKopTable(rows), ""].join("\n"));
  const figure = await writeFigure(folder.path, "table-cpu", cpuFigureData(rows));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);

  const summary = cpuSummary({ rows, unavailable: campaign.unavailable, header: await runHeader(context, ["1k"], (size) => recordsFor(config, size)) });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  return { ok: campaign.failures.length === 0, failures: campaign.failures };
}
