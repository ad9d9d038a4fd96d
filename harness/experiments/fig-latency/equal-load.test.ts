import assert from "node:assert/strict";
import { test } from "node:test";
import { fixedRun, fourSystemsRuns } from "../fig-throughput/test-fixtures.ts";
import { equalLoadTargets, openLoopPhases } from "./equal-load.ts";

test("every system is offered the same rate: half the slowest system's closed-loop throughput at each size and read ratio", () => {
  const runs = [...fourSystemsRuns("1k"), fixedRun("plain", "4k", 95, 1001), fixedRun("plain", "4k", 95, 50, { loop: "open" })];
  const targets = equalLoadTargets(runs, 0.5);
  assert.deepEqual(
    targets.map((t) => [t.size, t.readRatio, t.opsPerSec, t.slowest]),
    [
      ["1k", 50, 450, "cocytus"],
      ["1k", 95, 1410, "cocytus"],
      ["1k", 100, 2000, "pbr"],
      ["4k", 95, 501, "plain"],
    ],
  );
  assert.deepEqual(openLoopPhases(targets, "1k"), [
    { readRatio: 50, targetOpsPerSec: 450 },
    { readRatio: 95, targetOpsPerSec: 1410 },
    { readRatio: 100, targetOpsPerSec: 2000 },
  ]);
  assert.deepEqual(openLoopPhases(targets, "16k"), []);
});

test("a setting where nothing completed gets no open-loop target", () => {
  assert.deepEqual(equalLoadTargets([fixedRun("plain", "1k", 50, 0)]), []);
});
