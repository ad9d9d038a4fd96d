import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { memoryFigureData } from "../experiments/fig-memory/figure-data.ts";
import { fourSystems } from "../experiments/fig-memory/test-fixtures.ts";
import { readSpec, renderFigure, rerenderFigure, writeFigure } from "./render.ts";

const count = (svg: string, text: string) => svg.split(text).length - 1;

test("the fig-memory spec renders one bar per system and size, Cocytus as two stacked segments, plus the savings panel", async () => {
  const data = memoryFigureData(fourSystems(["1k", "4k"]));
  const figure = await renderFigure(await readSpec("fig-memory"), data);
  // Left panel: 2 sizes × (plain, pbr, cocytus data, cocytus metadata, memcached) = 10; right panel: 2 savings bars.
  assert.equal(count(figure.svg, 'aria-roledescription="bar"'), 12);
  // Reference ticks: memcached 1, pbr 1, cocytus 3 (original, ideal, target), plain 1 (target) per size.
  assert.equal(count(figure.svg, 'aria-roledescription="tick"'), 12);
  assert.match(figure.svg, />value size</);
  assert.match(figure.svg, />bytes of RSS per value byte</);
  assert.match(figure.svg, />cocytus: metadata, keys, rest</);
  assert.match(figure.svg, />Cocytus memory saved vs PBR</);
  assert.equal(Buffer.from(figure.png.subarray(1, 4)).toString("latin1"), "PNG");
  assert.ok(figure.png.length > 10_000, `expected a real PNG, found ${figure.png.length} bytes`);
});

test("the bound spec carries its data, so it renders on its own", async () => {
  const data = memoryFigureData(fourSystems(["16k"]));
  const figure = await renderFigure(await readSpec("fig-memory"), data);
  const datasets = figure.boundSpec.datasets as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(datasets).sort(), ["memory", "paperRange", "reference", "savings"]);
  const again = await renderFigure(figure.boundSpec, {});
  assert.equal(count(again.svg, 'aria-roledescription="bar"'), count(figure.svg, 'aria-roledescription="bar"'));
});

test("a figure that fails to render keeps its data, says why, and renders again from the saved data", async () => {
  const root = await mkdtemp(join(tmpdir(), "render-"));
  try {
    const folder = join(root, "run");
    await mkdir(join(root, "notebooks"));
    await mkdir(folder);
    await writeFile(join(root, "notebooks", "broken.vl.json"), JSON.stringify({ mark: "bar", encoding: { x: { field: "x", type: "no-such-type" } }, data: { name: "rows" } }));
    const rows = { rows: [{ x: "a", value: 1 }] };
    const failed = await writeFigure(folder, "broken", rows, root);
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? "", /rendering broken failed/);
    assert.deepEqual((await readdir(folder)).sort(), ["figure-data.json", "figure-error.txt"]);
    assert.deepEqual(JSON.parse(await readFile(join(folder, "figure-data.json"), "utf8")).datasets, rows);

    await writeFile(join(root, "notebooks", "broken.vl.json"), await readFile(join("notebooks", "template.vl.json"), "utf8"));
    const fixed = await rerenderFigure(folder, root);
    assert.equal(fixed.ok, true, fixed.error);
    assert.match(await readFile(join(folder, "broken.svg"), "utf8"), /aria-roledescription="bar"/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("re-rendering a folder without saved figure data says what it expected", async () => {
  const folder = await mkdtemp(join(tmpdir(), "render-"));
  try {
    await assert.rejects(rerenderFigure(folder), /expected a run folder with figure-data\.json/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
