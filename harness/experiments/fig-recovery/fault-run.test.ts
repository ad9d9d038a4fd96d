import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeTestCluster, processesIn } from "../../deploy/test-cluster.ts";
import { Cleanup } from "../cleanup.ts";
import { Progress } from "../progress.ts";
import { RunFolder } from "../run-folder.ts";
import type { ExperimentConfig } from "../types.ts";
import { measureFaultRun } from "./fault-run.ts";
import { recoveryEpisodes, summarizeFaultRun } from "./recovery-metrics.ts";

test("a short real fault run kills node 0 on time, cocytus recovers every lost data process with nothing lost, and nothing is left running", { timeout: 150_000 }, async () => {
  const cluster = await makeTestCluster(30);
  const out = mkdtempSync(join(tmpdir(), "fault-run-"));
  const cleanup = new Cleanup();
  try {
    const config: ExperimentConfig = { profile: "fast", cluster: "test", repeat: 1, seed: 7, check: false, tolerance: 0.02, out, saveBaseline: false };
    const folder = await RunFolder.create(out, "fig-recovery");
    const quiet = { write: () => true };
    const plan = { records: 3000, warmupSeconds: 1, runSeconds: 12, kills: [{ atSeconds: 5, node: 0 }], threadCount: 8, workers: 1, connections: 2 };
    const run = await measureFaultRun({ config, folder, cleanup, signal: cleanup.signal }, new Progress("test", 1, 1, quiet), {
      variant: { label: "cocytus", system: "cocytus", serverArgs: [] },
      readRatio: 95,
      plan,
      prefix: "cocytus-95",
      clustersFile: cluster.clustersFile,
    });

    assert.equal(run.load.records, 3000);
    assert.equal(run.kills.length, 1);
    assert.ok(Math.abs(run.kills[0].second - 5) < 1.5, `node 0 killed at ${run.kills[0].second} s, planned at 5 s`);
    assert.deepEqual(run.kills[0].processes.sort(), ["cocytus-g0-data0", "cocytus-g1-parity1", "cocytus-g2-parity0", "cocytus-g3-data2", "cocytus-g4-data1"]);
    // Node 0 held data processes of groups 0, 3 and 4: each group's leader recovers one.
    const episodes = recoveryEpisodes(run);
    assert.deepEqual(episodes.map((e) => e.group).sort(), [0, 3, 4]);
    for (const e of episodes) assert.ok(e.endMs > 0 && e.pagesRepaired > 0, `group ${e.group}: recovery complete with pages repaired (${JSON.stringify(e)})`);
    assert.equal(run.corrupted, 0);
    assert.equal(run.missingAcknowledged, 0);
    assert.ok(run.timeSeries.length >= 10);
    const summary = summarizeFaultRun(run);
    assert.ok(summary.before.operations > 0 && summary.kills[0].untilNext.operations > 0, "requests were answered before and after the kill");
    for (const file of ["cocytus-95.json", "cocytus-95-run.json", "cocytus-95-load.json", "cocytus-95-faults.json", "cocytus-95-samples.jsonl", "cocytus-95-logs/cocytus-g0-parity0.log"]) {
      assert.ok(existsSync(folder.file(`raw/${file}`)), `raw/${file} should exist`);
    }
    assert.deepEqual(processesIn(cluster.dir), [], "the deployment is torn down");
  } finally {
    await cleanup.run();
    cluster.remove();
    rmSync(out, { recursive: true, force: true });
  }
});
