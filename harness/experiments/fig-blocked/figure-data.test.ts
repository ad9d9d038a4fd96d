import assert from "node:assert/strict";
import { test } from "node:test";
import { readSpec, renderFigure } from "../../report/render.ts";
import { fixedFaultRun } from "../fig-recovery/test-fixtures.ts";
import { blockedFigureData } from "./figure-data.ts";

const count = (svg: string, text: string) => svg.split(text).length - 1;

test("the fig-blocked figure has a panel per read ratio with both variants' lines, a rule per kill and a band per recovery", async () => {
  // Blocked: nothing answered OK in the seconds of the recovery.
  const blocked = (readRatio: 95 | 50) => fixedFaultRun({ variant: "cocytus blocked", readRatio, second: (s) => ([5, 6, 12, 13].includes(s) ? { ops: 0, readUs: 400, failed: 0 } : { ops: 1000, readUs: 400 }) });
  const runs = [fixedFaultRun({ variant: "cocytus online" }), blocked(95), fixedFaultRun({ variant: "cocytus online", readRatio: 50 }), blocked(50)];
  const data = blockedFigureData(runs);
  const kinds = (kind: string) => data.timeline.filter((r) => r.kind === kind);
  assert.equal(kinds("kill").length, 8);
  assert.equal(kinds("recovery").length, 8);
  assert.deepEqual(new Set(data.timeline.map((r) => r.panel)), new Set(["R:W 95:5", "R:W 50:50"]));
  assert.equal(kinds("answered OK").find((r) => r.system === "cocytus blocked" && r.second === 5)?.value, 0);

  const figure = await renderFigure(await readSpec("fig-blocked"), data);
  assert.equal(count(figure.svg, 'aria-roledescription="line mark"'), 8, "OK and failed per variant, in two panels");
  assert.equal(count(figure.svg, 'aria-roledescription="rule mark"'), 8);
  assert.equal(count(figure.svg, 'aria-roledescription="rect mark"'), 8);
  // x runs over 0..20 s on 380 px: kills at 5.5 s and 12.25 s.
  const xs = [...figure.svg.matchAll(/aria-roledescription="rule mark" transform="translate\(([\d.]+),/g)].map((m) => Number(m[1]));
  assert.deepEqual([...new Set(xs.map((x) => Math.round(x * 100) / 100))].sort((a, b) => a - b), [104.5, 232.75]);
  assert.match(figure.svg, />R:W 50:50</);
  assert.match(figure.svg, />cocytus blocked</);
});
