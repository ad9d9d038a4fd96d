import assert from "node:assert/strict";
import { test } from "node:test";
import { readSpec, renderFigure } from "../../report/render.ts";
import { recoveryFigureData } from "./figure-data.ts";
import { fixedFaultRun } from "./test-fixtures.ts";

const count = (svg: string, text: string) => svg.split(text).length - 1;

/** x of every rule in the SVG (vega draws a rule as a line translated to its x). */
function ruleXs(svg: string): number[] {
  return [...svg.matchAll(/aria-roledescription="rule mark" transform="translate\(([\d.]+),/g)].map((m) => Number(m[1]));
}

test("the fig-recovery figure draws each system's throughput and latency per second, a rule at every kill in both panels and a band per recovery", async () => {
  const runs = [fixedFaultRun({ system: "pbr" }), fixedFaultRun({ system: "cocytus" })];
  const data = recoveryFigureData(runs);
  assert.equal(data.throughput.length, 80, "answered OK and failed per second per system");
  assert.deepEqual(data.throughput.filter((r) => r.system === "cocytus" && r.second === 5).map((r) => [r.series, r.value]), [["answered OK", 200], ["failed", 10]]);
  assert.equal(data.latency.length, 80, "p50 and p99 per second per system");
  assert.deepEqual(data.kills.map((k) => [k.system, k.second, k.label]), [
    ["pbr", 5.5, "node 0 killed"],
    ["pbr", 12.25, "then node 1 killed"],
    ["cocytus", 5.5, "node 0 killed"],
    ["cocytus", 12.25, "then node 1 killed"],
  ]);
  assert.deepEqual(data.recovery.map((r) => [r.system, r.from, r.to, r.what]), [
    ["pbr", 5.5, 6.3, "failover"],
    ["cocytus", 5.5, 6.61, "recovery"],
    ["cocytus", 12.25, 13.31, "recovery"],
  ]);
  assert.equal(data.killLabels.length, 2);

  const figure = await renderFigure(await readSpec("fig-recovery"), data);
  assert.equal(count(figure.svg, 'aria-roledescription="line mark"'), 4 + 4, "OK and failed lines per system, a p50 and a p99 line per system");
  assert.equal(count(figure.svg, 'aria-roledescription="rect mark"'), 6, "three bands in each panel");
  // x runs over 0..20 s on 640 px: the kills at 5.5 s and 12.25 s sit at 176 px and 392 px, in both panels.
  assert.deepEqual(ruleXs(figure.svg).sort((a, b) => a - b), [176, 176, 176, 176, 392, 392, 392, 392]);
  assert.match(figure.svg, />then node 1 killed</);
  assert.match(figure.svg, />operations per second</);
  assert.equal(Buffer.from(figure.png.subarray(1, 4)).toString("latin1"), "PNG");
});
