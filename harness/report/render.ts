/**
 * Renders a vega-lite spec (from notebooks/) bound to data into SVG and PNG, headless:
 * vega's View with renderer "none" produces SVG text, resvg rasterises it.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vegaLite from "vega-lite";

/** Named data sets, bound to the spec's `{"data": {"name": ...}}` sources. */
export type Datasets = Record<string, Record<string, unknown>[]>;

export interface RenderedFigure {
  /** The vega-lite spec with the data inlined (top-level `datasets`), viewable on its own. */
  boundSpec: Record<string, unknown>;
  svg: string;
  png: Uint8Array;
}

/** Where the figure specs live, relative to the project root. */
export const notebooksFolder = "notebooks";

/** Reads notebooks/<name>.vl.json; throws an Error naming the file when it is missing or not JSON. */
export async function readSpec(name: string, root = process.cwd()): Promise<Record<string, unknown>> {
  const path = join(root, notebooksFolder, `${name}.vl.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`figure spec ${join(notebooksFolder, `${name}.vl.json`)}: cannot read it (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`figure spec ${join(notebooksFolder, `${name}.vl.json`)}: expected JSON, ${(error as Error).message}`);
  }
}

/** Binds the data to the spec and renders it; throws if vega-lite or vega reject the spec. */
export async function renderFigure(spec: Record<string, unknown>, datasets: Datasets): Promise<RenderedFigure> {
  const boundSpec = { ...spec, datasets: { ...(spec.datasets as Datasets | undefined), ...datasets } };
  const compiled = vegaLite.compile(boundSpec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
      fitTo: { mode: "zoom", value: 2 },
      background: "white",
    })
      .render()
      .asPng();
    return { boundSpec, svg, png };
  } finally {
    view.finalize();
  }
}

export interface WrittenFigure {
  ok: boolean;
  /** Files written, relative to the folder. */
  files: string[];
  error?: string;
}

/**
 * Writes figure-data.json first (so the data survives any rendering failure), then
 * <name>.vl.json, <name>.svg and <name>.png. A rendering failure is written to
 * figure-error.txt and returned, never thrown.
 */
export async function writeFigure(folder: string, name: string, datasets: Datasets, root = process.cwd()): Promise<WrittenFigure> {
  await writeFile(join(folder, figureDataFile), JSON.stringify({ spec: name, datasets }, null, 2) + "\n");
  const files = [figureDataFile];
  try {
    const spec = await readSpec(name, root);
    const figure = await renderFigure(spec, datasets);
    await writeFile(join(folder, `${name}.vl.json`), JSON.stringify(figure.boundSpec, null, 2) + "\n");
    await writeFile(join(folder, `${name}.svg`), figure.svg);
    await writeFile(join(folder, `${name}.png`), figure.png);
    files.push(`${name}.vl.json`, `${name}.svg`, `${name}.png`);
    return { ok: true, files };
  } catch (error) {
    const message = `rendering ${name} failed: ${(error as Error).stack ?? String(error)}`;
    await writeFile(join(folder, "figure-error.txt"), message + "\n");
    files.push("figure-error.txt");
    return { ok: false, files, error: message.split("\n")[0] };
  }
}

/** The file a run folder keeps the figure's data in; `--render DIR` reads it back. */
export const figureDataFile = "figure-data.json";

/** Re-renders a run folder's figure from its saved figure-data.json with the current spec. */
export async function rerenderFigure(folder: string, root = process.cwd()): Promise<WrittenFigure> {
  const path = join(folder, figureDataFile);
  let saved: { spec?: unknown; datasets?: unknown };
  try {
    saved = JSON.parse(await readFile(path, "utf8")) as typeof saved;
  } catch (error) {
    throw new Error(`--render ${folder}: expected a run folder with ${figureDataFile}, ${(error as Error).message}`);
  }
  if (typeof saved.spec !== "string" || typeof saved.datasets !== "object" || saved.datasets === null) {
    throw new Error(`${path}: expected {"spec": "<figure name>", "datasets": {...}}, found keys ${Object.keys(saved).join(", ") || "none"}`);
  }
  return writeFigure(folder, saved.spec, saved.datasets as Datasets, root);
}
