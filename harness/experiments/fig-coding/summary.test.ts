import assert from "node:assert/strict";
import { test } from "node:test";
import { readSpec, renderFigure } from "../../report/render.ts";
import { summarizeMemory, type ProcessMemory } from "../fig-memory/measurement.ts";
import type { SystemRuns } from "../fig-throughput/measurement.ts";
import { fixedRun } from "../fig-throughput/test-fixtures.ts";
import { codingFigureData } from "./figure-data.ts";
import { schemeResults } from "./measurements.ts";
import { schemes } from "./schemes.ts";
import { codingSummary, throughputSpread } from "./summary.ts";

const MB = 2 ** 20;

/** A scheme loaded with 10 MB of values: RSS grew by `perByte` × 10 MB, stats count (k+m)/k of coded values and 0.1 of metadata. */
function schemeRuns(label: string, perByte: number, throughput: [number, number], writeP50: number, repeat = 0): SystemRuns {
  const scheme = schemes.find((s) => s.label === label)!;
  const coded = ((scheme.k + scheme.m) / scheme.k) * 10 * MB;
  const process = (role: string, rssGrowth: number, values: number, metadata: number): ProcessMemory => ({
    id: `${label}-${role}`, role, node: 0, host: "127.0.1.1", port: 1, pid: 1, rssBefore: 50 * MB, rssAfter: 50 * MB + rssGrowth,
    statsBefore: {}, statsAfter: { data_area_bytes: String(values), parity_bytes: "0", metadata_bytes: String(metadata), metadata_replica_bytes: "0", key_bytes: "0" },
  });
  const memory = summarizeMemory(label, "1k", repeat, { records: 10_240, valueBytes: 10 * MB, seconds: 5, failed: 0 }, [
    process("data", (perByte * 10 * MB) / 2, coded / 2, 0.5 * MB),
    process("parity", (perByte * 10 * MB) / 2, coded / 2, 0.5 * MB),
  ]);
  const runs = [
    fixedRun(label, "1k", 95, throughput[0], { system: "cocytus", updateP50: writeP50 }),
    fixedRun(label, "1k", 50, throughput[1], { system: "cocytus", updateP50: writeP50 * 1.5 }),
  ].map((r) => ({ ...r, repeat }));
  return { variant: scheme, size: "1k", repeat, load: memory.load, memory, runs, processes: [] };
}

function threeSchemes(): SystemRuns[] {
  return [schemeRuns("RS(2,3)", 2.7, [3000, 1000], 900), schemeRuns("RS(3,2)", 1.9, [3100, 1100], 600), schemeRuns("RS(4,1)", 1.45, [3050, 1200], 500)];
}

test("each scheme reports memory per value byte (RSS and stats), throughput and write latency per read ratio", () => {
  const results = schemeResults(threeSchemes());
  assert.deepEqual(results.map((r) => [r.scheme, r.paperName, Number(r.ideal.toFixed(3))]), [["RS(2,3)", "RS(2,5)", 2.5], ["RS(3,2)", "RS(3,5)", 1.667], ["RS(4,1)", "RS(4,5)", 1.25]]);
  const rs41 = results[2];
  assert.ok(Math.abs((rs41.memory?.bytesPerValueByte ?? 0) - 1.45) < 1e-6);
  assert.ok(Math.abs((rs41.memory?.statsBytesPerValueByte ?? 0) - 1.35) < 1e-6);
  assert.equal(rs41.byRatio[50]?.throughput, 1200);
  assert.equal(rs41.byRatio[50]?.write?.p50, 750);
  assert.equal(throughputSpread(results, 95), 3000 / 3100);
});

test("with repeats, memory is the median repeat's and performance the median-throughput run's", () => {
  const results = schemeResults([schemeRuns("RS(3,2)", 2.0, [3000, 1000], 600, 0), schemeRuns("RS(3,2)", 1.8, [2000, 900], 700, 1), schemeRuns("RS(3,2)", 1.9, [2500, 950], 800, 2)]);
  assert.equal(results.length, 1);
  assert.ok(Math.abs((results[0].memory?.bytesPerValueByte ?? 0) - 1.9) < 1e-6);
  assert.equal(results[0].byRatio[95]?.throughput, 2500);
});

test("the summary checks the paper's claims: least memory, worst write latency, similar throughput", () => {
  const text = codingSummary({ results: schemeResults(threeSchemes()), unavailable: [], header: [] });
  assert.match(text, /\| RS\(2,3\) \| RS\(2,5\) \| 1 \+ 1 \| 2\.50 \| 2\.700 \| 2\.500 \+ 0\.100 = 2\.600 \|/);
  assert.match(text, /\| least memory \(RSS per value byte\) \| RS\(4,1\) ✓ as the paper \|/);
  assert.match(text, /\| worst write latency \(avg at 50:50\) \| RS\(2,3\) ✓ as the paper \|/);
  assert.match(text, /\| throughput similar: slowest \/ fastest at 50:50 \| 0\.83 \|/);
  assert.match(text, /\| RS\(2,3\) \| 1\.42 \| 0\.91 \| 1\.50 \| 0\.97 \| 1\.50 \|/);
  assert.match(text, /RS\(4,1\) least memory; RS\(2,3\) worst write latency; throughput similar/);

  const reversed = schemeResults([schemeRuns("RS(2,3)", 1.2, [3000, 1000], 100), schemeRuns("RS(4,1)", 1.45, [3050, 1200], 500)]);
  assert.match(codingSummary({ results: reversed, unavailable: [], header: [] }), /\| least memory \(RSS per value byte\) \| RS\(2,3\) ✗ \(paper: RS\(4,1\)\) \|/);
});

test("the fig-coding figure has memory stacks with ideal ticks, throughput bars and write-latency bars with p99 ticks", async () => {
  const data = codingFigureData(schemeResults(threeSchemes()));
  const figure = await renderFigure(await readSpec("fig-coding"), data);
  const count = (text: string) => figure.svg.split(text).length - 1;
  // memory 3 × 2 parts, throughput 3 × 2 ratios, write latency 3 × 2 ratios
  assert.equal(count('aria-roledescription="bar"'), 18);
  // ideal 3, p99 6
  assert.equal(count('aria-roledescription="tick"'), 9);
  assert.match(figure.svg, />bytes of RSS per value byte</);
  assert.match(figure.svg, />RS\(4,1\)</);
});
