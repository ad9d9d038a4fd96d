/**
 * fig-blocked: cocytus's online recovery against the blocked variant (`--recovery blocked`: every
 * request to a failed process's keys waits until its whole area is repaired), under R:W 95:5 and
 * 50:50, one node killed; throughput over time. The paper: blocked collapses even at 5 % writes.
 */
import { writeFigure } from "../../report/render.ts";
import type { Unavailable } from "../fig-throughput/campaign.ts";
import { faultHeader, runFaultCampaign, writeFaultCsvs, type FaultExperiment } from "../fig-recovery/experiment.ts";
import type { FaultRun, FaultVariant } from "../fig-recovery/fault-run.ts";
import { reportedRecoveryModes } from "../fig-recovery/recovery-metrics.ts";
import { blockedPlans, checkTimeline, memoryShortfall, resolvePlan } from "../fig-recovery/plan.ts";
import { Progress } from "../progress.ts";
import type { ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { blockedFigureData } from "./figure-data.ts";
import { serverRejects } from "./server-flags.ts";
import { blockedSummary } from "./summary.ts";

export const blockedVariants: FaultVariant[] = [
  // Online is the server's default, so this variant runs on servers without the flag too.
  { label: "cocytus online", system: "cocytus", serverArgs: [] },
  { label: "cocytus blocked", system: "cocytus", serverArgs: ["--recovery", "blocked"] },
];

export const figBlocked: ExperimentDefinition = {
  name: "fig-blocked",
  what: "cocytus online against blocked recovery (`--recovery online|blocked`) under R:W 95:5 and 50:50, 1 KB values, node 0 killed: operations answered OK and failed per second, the recovery band, the dip and the time to repair",
  fastTime: "~4-6 min (60 000 records and a 30 s run per variant and read ratio: four deployments)",
  paperTime: "the paper's 12 GB per node needs ~200 GiB of RAM; with --records N: four times (load time + 4 min)",
  resources: "one cocytus deployment (25 processes) at a time, the proxy and the driver in this process; RAM ~2× the values loaded",
  systems: blockedVariants.map((v) => v.label),
  preflight: async (config) => memoryShortfall(resolvePlan(blockedPlans[config.profile], config.records).records),
  run: runFigBlocked,
};

/** The variants whose flags this checkout's server takes, and the others with the reason. */
export function availableVariants(variants: FaultVariant[], rejects: (flags: readonly string[]) => string | undefined = serverRejects): { variants: FaultVariant[]; unavailable: Unavailable[] } {
  const unavailable: Unavailable[] = [];
  const accepted = variants.filter((variant) => {
    const why = rejects(variant.serverArgs);
    if (why !== undefined) unavailable.push({ system: variant.label, reason: `needs the server flag \`${variant.serverArgs.join(" ")}\` (systems/server/options.ts, passed on to the cocytus server): the server says "${why}"` });
    return why === undefined;
  });
  return { variants: accepted, unavailable };
}

/** Undefined when every process reported the recovery mode the variant asked for (the server's default: online). */
export function recoveryModeProblem(run: FaultRun, variant: FaultVariant): string | undefined {
  const flag = variant.serverArgs.indexOf("--recovery");
  const expected = flag >= 0 ? variant.serverArgs[flag + 1] : "online";
  const reported = reportedRecoveryModes(run);
  if (reported.length === 1 && reported[0] === expected) return undefined;
  return `expected every process to report recovery_mode ${expected} in stats, found ${reported.length === 0 ? "none" : reported.join(", ")}`;
}

async function runFigBlocked(context: ExperimentContext): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  const experiment: FaultExperiment = { name: "fig-blocked", variants: blockedVariants, readRatios: [95, 50], plan: resolvePlan(blockedPlans[config.profile], config.records), check: recoveryModeProblem };
  checkTimeline(experiment.plan);
  const requested = experiment.variants.filter((v) => !config.systems || config.systems.includes(v.label));
  const { variants, unavailable } = availableVariants(requested);
  const progress = new Progress("fig-blocked", config.repeat * variants.length * experiment.readRatios.length, config.repeat * variants.length * experiment.readRatios.length);
  for (const u of unavailable) progress.log(`${u.system}: not measured: ${u.reason}`);
  const campaign = await runFaultCampaign(context, progress, experiment, variants);
  progress.done();

  await writeFaultCsvs(context, campaign.runs);
  const figure = await writeFigure(folder.path, "fig-blocked", blockedFigureData(campaign.runs));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);
  const summary = blockedSummary({ runs: campaign.runs, unavailable: [...unavailable, ...campaign.unavailable], header: await faultHeader(context, experiment.plan) });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  const failures = [...unavailable.map((u) => `fig-blocked: ${u.system}: ${u.reason}`), ...campaign.failures];
  return { ok: failures.length === 0, failures };
}
