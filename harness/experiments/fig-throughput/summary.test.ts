import assert from "node:assert/strict";
import { test } from "node:test";
import { ratioVerdict, throughputRatio, throughputSummary } from "./summary.ts";
import { fourSystemsRuns } from "./test-fixtures.ts";

test("Cocytus / PBR is checked against the targets: ≥ 0.85 at 50:50 and ≥ 0.95 at 95:5, no target at 100:0", () => {
  const text = throughputSummary({ runs: fourSystemsRuns(), unavailable: [], header: ["Run x."] });
  assert.match(text, /\| cocytus \/ pbr \| 1 KB \| 0\.90 ≥ 0\.85 ✓ \| 0\.94 < 0\.95 ✗ \| 1\.00 \| Cocytus close to PBR and Memcached; cost mostly on writes \(DESIGN §11/);
  assert.match(text, /\| cocytus \/ plain \| 1 KB \| 0\.45 \| 0\.70 \| 0\.80 \|/);
  assert.match(text, /\| plain \/ memcached \| 1 KB \| 0\.50 \| 0\.50 \| 0\.50 \|/);
  assert.match(text, /\| plain \| 2000 \| 4000 \| 5000 \|/);
  assert.match(text, /\| cocytus \| 1 KB \| 95:5 \| 32 \| 10\.0 \| 28200 \| 2820 \| 0 \|/);
});

test("ratios need both systems at the same size and ratio; a missing one is a dash, never a guess", () => {
  const runs = fourSystemsRuns().filter((r) => !(r.variant === "pbr" && r.readRatio === 95));
  assert.equal(throughputRatio(runs, "cocytus", "pbr", "1k", 95), undefined);
  assert.equal(throughputRatio(runs, "cocytus", "pbr", "1k", 50), 0.9);
  assert.equal(ratioVerdict(undefined, 0.95), "–");
  assert.equal(ratioVerdict(0.95, 0.95), "0.95 ≥ 0.95 ✓");
});

test("systems that could not be measured are named with the reason", () => {
  const runs = fourSystemsRuns().filter((r) => r.variant === "plain");
  const text = throughputSummary({ runs, unavailable: [{ system: "cocytus", reason: "could not be brought up: no mode cocytus" }], header: [] });
  assert.match(text, /## Not measured\n\n- \*\*cocytus\*\*: could not be brought up: no mode cocytus/);
  assert.match(text, /\(needs at least two systems measured\)/);
});
