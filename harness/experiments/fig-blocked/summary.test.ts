import assert from "node:assert/strict";
import { test } from "node:test";
import { fixedFaultRun } from "../fig-recovery/test-fixtures.ts";
import { availableVariants, blockedVariants, recoveryModeProblem } from "./experiment.ts";
import { blockedSummary } from "./summary.ts";

test("the fig-blocked summary compares online and blocked at each read ratio from the runs' seconds", () => {
  const blocked = fixedFaultRun({ variant: "cocytus blocked", second: (s) => ([5, 6].includes(s) ? { ops: 0, readUs: 400 } : { ops: 1000, readUs: 400 }) });
  const text = blockedSummary({ runs: [fixedFaultRun({ variant: "cocytus online" }), blocked], unavailable: [], header: ["Run x."] });
  assert.match(text, /blocked recovery collapses even at 5 % writes/);
  // Online: 200 ops/s in its worst second (20 %), 200 during the recovery window; blocked: nothing answered for 2 s.
  assert.match(text, /\| 95:5 \| cocytus online \| 1000 \| 200 \(20 %\) \| 2 \| 200 \(20 %\) \| 1\.11 \| 3 \| 20 \|/);
  assert.match(text, /\| 95:5 \| cocytus blocked \| 1000 \| 0 \(0 %\) \| 2 \| 0 \(0 %\) \| 1\.11 \| 3 \| 0 \|/);
  assert.match(text, /\| cocytus blocked, R:W 95:5 \| 1000 \|/);
});

test("a variant whose flag the server does not take is reported with what it needs, and the others still run", () => {
  const { variants, unavailable } = availableVariants(blockedVariants, (flags) => (flags.includes("--recovery") ? "Unknown option '--recovery'" : undefined));
  assert.deepEqual(variants.map((v) => v.label), ["cocytus online"]);
  assert.equal(unavailable.length, 1);
  assert.match(unavailable[0].reason, /^needs the server flag `--recovery blocked` .*Unknown option '--recovery'/);
  const text = blockedSummary({ runs: [], unavailable, header: [] });
  assert.match(text, /- \*\*cocytus blocked\*\*: needs the server flag/);
});

test("a run whose processes did not report the recovery mode its variant asked for does not count", () => {
  const run = fixedFaultRun({ variant: "cocytus blocked" });
  const blocked = blockedVariants[1];
  assert.match(recoveryModeProblem(run, blocked) ?? "", /expected every process to report recovery_mode blocked in stats, found none/);
  run.stats = run.stats.map((r) => ({ ...r, stats: { ...r.stats, recovery_mode: "online" } }));
  assert.match(recoveryModeProblem(run, blocked) ?? "", /found online/);
  assert.equal(recoveryModeProblem(run, blockedVariants[0]), undefined, "online is the default when no flag is given");
  run.stats = run.stats.map((r) => ({ ...r, stats: { ...r.stats, recovery_mode: "blocked" } }));
  assert.equal(recoveryModeProblem(run, blocked), undefined);
});

test("a repair shorter than a second is pointed out: the 1-second time series cannot show a collapse inside it", () => {
  const text = blockedSummary({ runs: [fixedFaultRun({ variant: "cocytus blocked" })], unavailable: [], header: [] });
  assert.doesNotMatch(text, /less than a second after the kill/, "the fixture's repairs take 1.11 s and 1.06 s");
  const run = fixedFaultRun({ variant: "cocytus blocked" });
  run.stats = run.stats.filter((r) => r.id !== "cocytus-g0-parity0");
  assert.match(blockedSummary({ runs: [run], unavailable: [], header: [] }), /Note: cocytus blocked, R:W 95:5: the repair ended less than a second after the kill/);
});
