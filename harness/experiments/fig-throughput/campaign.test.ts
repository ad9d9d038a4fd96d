import assert from "node:assert/strict";
import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hasNativeMemcached } from "../../../test/support/memcached.ts";
import { isRunning } from "../../cluster/proc-stats.ts";
import { Cleanup } from "../cleanup.ts";
import { Progress } from "../progress.ts";
import { RunFolder } from "../run-folder.ts";
import type { ExperimentConfig, ExperimentContext } from "../types.ts";
import { plannedVariants, runCampaign } from "./campaign.ts";
import type { RunSettings } from "./plan.ts";
import { throughputSummary } from "./summary.ts";

const quiet = new Progress("test", 1, 1, { write: () => true });
const shortRuns: RunSettings = { runSeconds: 2, warmupSeconds: 1, threadCount: 8, openLoopThreadCount: 16, workers: 1, cpuSampleMs: 250 };

async function context(cluster = "local"): Promise<ExperimentContext & { root: string }> {
  const root = join(tmpdir(), `fig-throughput-${process.pid}-${Date.now()}`);
  const config: ExperimentConfig = { profile: "fast", cluster, repeat: 1, seed: 7, check: false, tolerance: 0.02, out: root, saveBaseline: false };
  const cleanup = new Cleanup();
  return { root, config, folder: await RunFolder.create(root, "fig-throughput"), cleanup, signal: cleanup.signal };
}


test("a short campaign on native memcached loads once, drives 50 / 95 / 100 % reads, reads every process's CPU and tears down", { skip: !hasNativeMemcached() && "native memcached is not installed", timeout: 60_000 }, async () => {
  const ctx = await context();
  try {
    const steps = [{ variant: { label: "memcached", system: "memcached" as const }, size: "1k" as const, records: 2000, phases: [{ readRatio: 50 as const }, { readRatio: 95 as const }, { readRatio: 100 as const }] }];
    const result = await runCampaign(ctx, quiet, "fig-throughput", steps, shortRuns);
    assert.deepEqual(result.failures, []);
    const [measured] = result.measured;
    assert.equal(measured.load.records, 2000);
    assert.deepEqual(measured.runs.map((r) => r.readRatio), [50, 95, 100]);
    for (const run of measured.runs) {
      assert.ok(run.throughput > 100, `${run.readRatio} % reads: expected a real throughput, found ${run.throughput}`);
      assert.ok((run.latency.READ?.count ?? 0) > 0, "reads were measured");
      assert.equal(run.latency.UPDATE === undefined, run.readRatio === 100, "updates are measured unless the run is read-only");
      assert.equal(run.cpu.processes.length, 15);
      const serverCpu = run.cpu.processes.reduce((sum, p) => sum + p.cpuSeconds, 0);
      assert.ok(serverCpu > 0, "the servers used CPU while serving");
      assert.ok(run.cpu.seconds >= 1 && run.cpu.seconds <= 3, `the CPU window covers the measured part of the run, found ${run.cpu.seconds} s`);
    }
    assert.deepEqual((await readdir(ctx.folder.file("raw"))).sort(), ["memcached-1k-100-closed.json", "memcached-1k-50-closed.json", "memcached-1k-95-closed.json", "memcached-1k-load.json"]);
    assert.match(throughputSummary({ runs: measured.runs, unavailable: [], header: [] }), /\| memcached \| \d+ \| \d+ \| \d+ \|/);
    for (const p of measured.processes) assert.equal(isRunning(p.pid), false, `${p.id} (pid ${p.pid}) must be gone after the campaign`);
  } finally {
    await ctx.cleanup.run();
    await rm(ctx.root, { recursive: true, force: true });
  }
});

test("a system that cannot be brought up is reported missing with the reason, and its other settings are skipped", async () => {
  const ctx = await context("no-such-cluster");
  try {
    const step = { variant: { label: "cocytus", system: "cocytus" as const }, records: 10, phases: [{ readRatio: 95 as const }] };
    const result = await runCampaign(ctx, quiet, "fig-throughput", [{ ...step, size: "1k" }, { ...step, size: "4k" }], shortRuns);
    assert.deepEqual(result.measured, []);
    assert.equal(result.unavailable.length, 1);
    assert.match(result.unavailable[0].reason, /could not be brought up: .*no-such-cluster/);
    assert.equal(result.failures.length, 1);
  } finally {
    await rm(ctx.root, { recursive: true, force: true });
  }
});

test("--systems picks variants by system or label; without it, memcached is dropped only when not installed", async () => {
  const all = [
    { label: "plain", system: "plain" as const },
    { label: "RS(2,3)", system: "cocytus" as const, k: 2, m: 3 },
    { label: "memcached", system: "memcached" as const },
  ];
  assert.deepEqual((await plannedVariants(all, ["RS(2,3)", "plain"])).variants.map((v) => v.label), ["plain", "RS(2,3)"]);
  const planned = await plannedVariants(all, undefined);
  assert.equal(planned.variants.some((v) => v.system === "memcached"), hasNativeMemcached());
  assert.equal(planned.unavailable.length, hasNativeMemcached() ? 0 : 1);
});
