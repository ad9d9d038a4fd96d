import assert from "node:assert/strict";
import { test } from "node:test";
import { readSpec, renderFigure } from "../../report/render.ts";
import { throughputFigureData } from "./figure-data.ts";
import { fourSystemsRuns } from "./test-fixtures.ts";

const count = (svg: string, text: string) => svg.split(text).length - 1;

test("the fig-throughput figure has one bar per system, read ratio and size, and Cocytus / PBR above Cocytus's bars", async () => {
  const runs = [...fourSystemsRuns("1k"), ...fourSystemsRuns("4k")];
  const data = throughputFigureData(runs);
  assert.deepEqual(
    data.throughput.filter((row) => row.system === "cocytus" && row.size === "1 KB").map((row) => row.label),
    ["0.90× pbr", "0.94× pbr", "1.00× pbr"],
  );
  const figure = await renderFigure(await readSpec("fig-throughput"), data);
  assert.equal(count(figure.svg, 'aria-roledescription="bar"'), 24);
  assert.equal(count(figure.svg, 'aria-roledescription="text mark"'), 6);
  assert.match(figure.svg, />0\.94× pbr</);
  assert.match(figure.svg, />operations per second</);
  assert.match(figure.svg, />4 KB</);
  assert.equal(Buffer.from(figure.png.subarray(1, 4)).toString("latin1"), "PNG");
});

test("without PBR there is no Cocytus / PBR label, and open-loop runs are left out of the throughput bars", () => {
  const runs = fourSystemsRuns("1k").filter((r) => r.variant !== "pbr");
  runs.push({ ...runs[0], loop: "open", targetOpsPerSec: 100 });
  const data = throughputFigureData(runs);
  assert.equal(data.throughput.length, 9);
  assert.ok(data.throughput.every((row) => row.label === ""));
});
