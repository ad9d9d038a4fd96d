/** summary.md of a fig-blocked run: online against blocked recovery at each read ratio, beside the paper's claim. */
import { fixed, markdownTable } from "../../report/markdown.ts";
import type { Unavailable } from "../fig-throughput/campaign.ts";
import { machineNote } from "../fig-throughput/summary.ts";
import type { FaultRun } from "../fig-recovery/fault-run.ts";
import { paperRecovery } from "../fig-recovery/paper.ts";
import { summarizeFaultRun } from "../fig-recovery/recovery-metrics.ts";
import { cocytusRecoveryTable, latencyTable, problemSections, proxyNote, runsTable, throughputTable } from "../fig-recovery/summary.ts";

export interface BlockedSummaryInput {
  runs: FaultRun[];
  unavailable: Unavailable[];
  header: string[];
}

/** "cocytus blocked, R:W 95:5". */
export function runLabel(run: Pick<FaultRun, "variant" | "readRatio">): string {
  return `${run.variant}, R:W ${run.readRatio}:${100 - run.readRatio}`;
}

export function blockedSummary(input: BlockedSummaryInput): string {
  const summaries = input.runs.map((run) => ({ run, summary: summarizeFaultRun(run) }));
  const out: string[] = ["# fig-blocked: online against blocked recovery", "", ...input.header, ""];
  out.push(`Paper: ${paperRecovery.blocked.text} (${paperRecovery.blocked.source}).`, "");

  out.push("## Online against blocked, after the kill (operations answered OK)", "");
  const rows = [...summaries]
    .sort((a, b) => b.run.readRatio - a.run.readRatio)
    .flatMap(({ run, summary }) =>
      summary.kills.map((k) => [
        `${run.readRatio}:${100 - run.readRatio}`,
        run.variant,
        fixed(summary.before.opsPerSec, 0),
        k.dip ? `${fixed(k.dip.lowestOpsPerSec, 0)} (${fixed(k.dip.lowestRatio * 100, 0)} %)` : "–",
        k.dip?.secondsBelowHalf ?? "–",
        k.recovery ? `${fixed(k.recovery.opsPerSec, 0)} (${fixed((k.recovery.opsPerSec / Math.max(1, summary.before.opsPerSec)) * 100, 0)} %)` : "–",
        k.aftermath.endSecond === undefined ? (k.aftermath.episodes.length === 0 ? "no recovery seen" : "not finished") : fixed(k.aftermath.endSecond - k.aftermath.kill.second, 2),
        k.aftermath.episodes.reduce((sum, e) => sum + e.requestsWaited, 0),
        k.untilNext.failed,
      ]),
    );
  out.push(
    rows.length > 0
      ? markdownTable(["R:W", "recovery", "OK ops/s before", "lowest 1-s OK ops/s after", "s below half", "OK ops/s during recovery", "kill → last page s", "requests that waited", "failed ops after the kill"], rows)
      : "(nothing was measured)",
    "",
  );

  const short = summaries.filter(({ summary }) => summary.kills.some((k) => k.aftermath.endSecond !== undefined && k.aftermath.endSecond - k.aftermath.kill.second < 1));
  if (short.length > 0) {
    out.push(
      `Note: ${short.map(({ run }) => runLabel(run)).join("; ")}: the repair ended less than a second after the kill, within one point of the driver's 1-second time series, so a collapse shows at most as one low second; the latency during recovery and the requests that waited say more. A larger load (--records N) makes the repair, and the difference, last longer.`,
      "",
    );
  }
  out.push("## Runs", "", input.runs.length > 0 ? runsTable(input.runs, runLabel) : "–", "");
  out.push("## Throughput around the kill", "", summaries.length > 0 ? throughputTable(summaries, runLabel) : "–", "");
  if (summaries.length > 0) {
    out.push("## Recovery", "");
    out.push(cocytusRecoveryTable(summaries.map(({ run, summary }) => ({ label: runLabel(run), aftermaths: summary.kills.map((k) => k.aftermath) }))), "");
    out.push("## Latency before and during recovery (all operations; merged per-second HdrHistograms, whole seconds)", "", latencyTable(summaries, undefined, runLabel), "");
  }
  out.push(...problemSections(input.runs, input.unavailable, runLabel));
  out.push(proxyNote, "", machineNote, "");
  return out.join("\n");
}
