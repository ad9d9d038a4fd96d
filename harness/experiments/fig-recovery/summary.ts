/** summary.md of a fig-recovery run (tables shared with fig-blocked): our numbers beside the paper's, each with its source. */
import { fixed, markdownTable } from "../../report/markdown.ts";
import type { Unavailable } from "../fig-throughput/campaign.ts";
import { machineNote, notMeasured } from "../fig-throughput/summary.ts";
import type { DecodeRate } from "./decode-rate.ts";
import type { FaultRun } from "./fault-run.ts";
import { paperRecovery, prepBlockTargetMs } from "./paper.ts";
import { summarizeFaultRun, type FaultRunSummary, type KillAftermath, type WindowStats } from "./recovery-metrics.ts";

const MB = 1e6;

export interface RecoverySummaryInput {
  runs: FaultRun[];
  unavailable: Unavailable[];
  header: string[];
  decode?: DecodeRate;
}

export const proxyNote =
  "Clients reach the servers through the harness proxy (harness/proxy), which follows each group's `view` after a failure (pbr: the new primary; cocytus: the recovery leader serving the lost keys); the ycsb-ts driver routes by a fixed process table and cannot follow a failover itself. The proxy is one more hop and one event loop for every request, for both systems.";

function killLabel(run: FaultRun, index: number): string {
  const kill = run.kills[index];
  return kill ? `node ${kill.node} at ${fixed(kill.second, 1)} s` : "–";
}

/** One row per run: what was loaded, measured, and what went wrong (failed, corrupted, lost). */
export function runsTable(runs: readonly FaultRun[], label: (run: FaultRun) => string = (run) => run.variant): string {
  return markdownTable(
    ["system", "records", "load s", "measured s", "ops/s answered OK (warm-up excluded)", "failed reads", "failed updates", "corrupted reads", "acknowledged keys missing"],
    runs.map((r) => [label(r), r.load.records, fixed(r.load.seconds, 0), fixed(r.runtimeMs / 1000, 1), fixed(r.okThroughput, 0), r.failed.READ ?? 0, r.failed.UPDATE ?? 0, r.corrupted, r.missingAcknowledged]),
  );
}

/** Per run and kill: throughput before, the dip after, and until the next kill. */
export function throughputTable(summaries: readonly { run: FaultRun; summary: FaultRunSummary }[], label: (run: FaultRun) => string = (run) => run.variant): string {
  const rows = summaries.flatMap(({ run, summary }) =>
    summary.kills.map((k, i) => [
      label(run),
      killLabel(run, i),
      fixed(summary.before.opsPerSec, 0),
      k.dip ? `${fixed(k.dip.lowestOpsPerSec, 0)} at ${k.dip.lowestSecond} s (${fixed(k.dip.lowestRatio * 100, 0)} %)` : "–",
      k.dip?.secondsBelowHalf ?? "–",
      k.aftermath.endSecond === undefined ? "not seen" : fixed(k.aftermath.endSecond - k.aftermath.kill.second, 2),
      fixed(k.untilNext.opsPerSec, 0),
      k.untilNext.failed,
    ]),
  );
  return markdownTable(["system", "kill", "OK ops/s before", "lowest 1-s OK ops/s after", "s below half", "recovery / takeover s", "OK ops/s until next kill or end", "failed ops until then"], rows);
}

function range(values: number[], decimals = 0): string {
  if (values.length === 0) return "–";
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? fixed(low, decimals) : `${fixed(low, decimals)}–${fixed(high, decimals)}`;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Per run and kill: how cocytus recovered (preparation, repair volume and rate, requests that waited). */
export function cocytusRecoveryTable(runs: readonly { label: string; aftermaths: readonly KillAftermath[] }[]): string {
  const rows = runs.flatMap(({ label, aftermaths }) => aftermaths.map((a, i) => recoveryRow(label, i, a)));
  return markdownTable(["system", "kill", "recoveries (groups)", "preparation blocked ms", "target", "pages repaired", "MB repaired", "repair MB/s (all leaders)", "repair MB/s (median leader)", "requests that waited on repair", "kill → last page s"], rows);
}

function recoveryRow(label: string, killIndex: number, a: KillAftermath): (string | number)[] {
  const prep = a.episodes.map((e) => e.prepBlockMs);
  const bytes = a.episodes.reduce((sum, e) => sum + e.bytesRepaired, 0);
  const perLeader = median(a.episodes.flatMap((e) => (e.bytesPerSec === undefined ? [] : [e.bytesPerSec])));
  return [
    label,
    `${killIndex + 1}: node ${a.kill.node}`,
    a.episodes.length,
    range(prep),
    prep.length === 0 ? "–" : prep.every((ms) => ms <= prepBlockTargetMs) ? `≤ ${prepBlockTargetMs} ✓` : `> ${prepBlockTargetMs} ✗`,
    a.episodes.reduce((sum, e) => sum + e.pagesRepaired, 0),
    fixed(bytes / MB, 1),
    fixed(a.clusterBytesPerSec === undefined ? undefined : a.clusterBytesPerSec / MB, 1),
    fixed(perLeader === undefined ? undefined : perLeader / MB, 1),
    a.episodes.reduce((sum, e) => sum + e.requestsWaited, 0),
    a.endSecond === undefined ? (a.episodes.length === 0 ? "no recovery seen" : "not finished") : fixed(a.endSecond - a.kill.second, 2),
  ];
}

/** Every recovery one leader ran, as the servers reported it. */
export function episodesTable(aftermaths: readonly KillAftermath[], startedAtMs: number): string {
  const rows = aftermaths.flatMap((a, i) =>
    a.episodes.map((e) => [
      i + 1,
      e.process,
      e.hosted,
      fixed((e.startMs - startedAtMs) / 1000, 2),
      e.endMs > 0 ? fixed((e.endMs - startedAtMs) / 1000, 2) : "–",
      e.prepBlockMs,
      e.pagesRepaired,
      fixed(e.bytesPerSec === undefined ? undefined : e.bytesPerSec / MB, 1),
      fixed(e.serverBytesPerSec / MB, 1),
      e.requestsWaited,
      e.state,
    ]),
  );
  return markdownTable(["kill", "leader", "hosts data", "recovery_start s", "recovery_end s", "prep_block_ms", "pages", "repair MB/s (ours)", "repair_bytes_per_sec (server) MB/s", "waited", "state"], rows);
}

function latencyRow(label: string, window: string, stats: WindowStats | undefined, paper = ""): (string | number)[] {
  const all = stats?.latency.ALL;
  return [label, window, stats ? `${stats.fromSecond}–${stats.toSecond}` : "–", all?.count ?? 0, fixed(all?.p50, 0), fixed(all?.p90, 0), fixed(all?.p99, 0), fixed(stats?.latency.READ?.p99, 0), fixed(stats?.latency.UPDATE?.p99, 0), paper];
}

export function latencyTable(summaries: readonly { run: FaultRun; summary: FaultRunSummary }[], paperDuring?: string, label: (run: FaultRun) => string = (run) => run.variant): string {
  const rows = summaries.flatMap(({ run, summary }) => [
    latencyRow(label(run), "before the first kill", summary.before),
    ...summary.kills.map((k, i) => latencyRow(label(run), `${run.system === "pbr" ? "takeover" : "recovery"} after kill ${i + 1}`, k.recovery, run.system === "cocytus" ? (paperDuring ?? "") : "")),
  ]);
  return markdownTable(["system", "window", "seconds", "operations", "p50 µs", "p90 µs", "p99 µs", "read p99 µs", "update p99 µs", "paper (during recovery)"], rows);
}

/** Lost or corrupted data, the driver's first errors, and the systems not measured. */
export function problemSections(runs: readonly FaultRun[], unavailable: Unavailable[], label: (run: FaultRun) => string = (run) => run.variant): string[] {
  const out: string[] = [];
  const problems = runs.filter((r) => r.corrupted > 0 || r.missingAcknowledged > 0);
  if (problems.length > 0) {
    out.push("## Verification failures", "");
    for (const r of problems) out.push(`- **${label(r)}**: ${r.corrupted} corrupted reads, ${r.missingAcknowledged} acknowledged keys missing; examples: ${r.verificationExamples.slice(0, 5).join(", ") || "–"}`);
    out.push("");
  }
  const errors = runs.filter((r) => r.errors.length > 0);
  if (errors.length > 0) {
    out.push("## Driver errors (first few)", "");
    for (const r of errors) out.push(`- **${label(r)}**: ${r.errors.slice(0, 3).join(" | ")}`);
    out.push("");
  }
  out.push(...notMeasured(unavailable));
  return out;
}

export function recoverySummary(input: RecoverySummaryInput): string {
  const summaries = input.runs.map((run) => ({ run, summary: summarizeFaultRun(run) }));
  const out: string[] = ["# fig-recovery: a node killed, then a second (R:W 95:5, 1 KB values)", "", ...input.header, ""];
  out.push(`Paper: ${paperRecovery.setup.text} (${paperRecovery.setup.source}).`, "");

  out.push("## Runs", "", input.runs.length > 0 ? runsTable(input.runs) : "(nothing was measured)", "");
  out.push("## Throughput around the kills", "", summaries.length > 0 ? throughputTable(summaries) : "–", "");

  const cocytus = summaries.filter((s) => s.run.system === "cocytus");
  if (cocytus.length > 0) {
    out.push("## Cocytus recovery", "");
    for (const { run, summary } of cocytus) {
      out.push(cocytusRecoveryTable([{ label: run.variant, aftermaths: summary.kills.map((k) => k.aftermath) }]), "");
      out.push("Every recovery, as the leaders' `stats` reported it (read once a second; a leader keeps only its latest recovery, pages_repaired counts over all of them):", "", episodesTable(summary.kills.map((k) => k.aftermath), run.startedAtMs), "");
    }
    const decode = input.decode;
    out.push(
      markdownTable(
        ["", "ours", "paper"],
        [
          ["preparation blocks requests (ms)", range(cocytus.flatMap(({ summary }) => summary.kills.flatMap((k) => k.aftermath.episodes.map((e) => e.prepBlockMs)))), `${paperRecovery.prepBlockMs.low}–${paperRecovery.prepBlockMs.high} (${paperRecovery.prepBlockMs.source}); target ≤ ${prepBlockTargetMs}`],
          ["repair rate, all leaders (MB/s), under load", range(cocytus.flatMap(({ summary }) => summary.kills.flatMap((k) => (k.aftermath.clusterBytesPerSec === undefined ? [] : [k.aftermath.clusterBytesPerSec / MB]))), 1), `${paperRecovery.repairMBps.text} (${paperRecovery.repairMBps.source})`],
          [
            "the codec's decode rate here (MB/s of rebuilt pages)",
            decode ? `${fixed(decode.bytesPerSec / MB, 0)} (${decode.codec}, RS(${decode.k},${decode.m}), ${decode.lostPages} lost page per call, in-process, best of ${decode.roundsBytesPerSec.length} rounds: ${decode.roundsBytesPerSec.map((r) => fixed(r / MB, 0)).join(", ")})` : "not measured",
            "–",
          ],
        ],
      ),
      "",
    );
  }
  const pbr = summaries.filter((s) => s.run.system === "pbr");
  if (pbr.length > 0) {
    out.push("## PBR failover", "");
    out.push(
      markdownTable(
        ["system", "kill", "takeovers seen", "takeover ms (server)", "new primaries"],
        pbr.flatMap(({ run, summary }) => summary.kills.map((k, i) => [run.variant, killLabel(run, i), k.aftermath.failovers.length, range(k.aftermath.failovers.map((f) => f.takeoverMs)), k.aftermath.failovers.map((f) => f.process).join(", ") || "–"])),
      ),
      "",
    );
  }
  const paper = paperRecovery.latencyDuringRecovery;
  out.push("## Latency before and during recovery (all operations; merged per-second HdrHistograms, whole seconds)", "");
  out.push(summaries.length > 0 ? latencyTable(summaries, `${paper.p50} / ${paper.p90} / ${paper.p99} (${paper.source})`) : "–", "");

  out.push(...problemSections(input.runs, input.unavailable));
  out.push(proxyNote, "", machineNote, "");
  return out.join("\n");
}
