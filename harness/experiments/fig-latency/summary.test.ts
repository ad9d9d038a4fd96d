import assert from "node:assert/strict";
import { test } from "node:test";
import { readSpec, renderFigure } from "../../report/render.ts";
import { fixedRun } from "../fig-throughput/test-fixtures.ts";
import type { RunRecord } from "../fig-throughput/measurement.ts";
import { equalLoadTargets } from "./equal-load.ts";
import { latencyFigureData } from "./figure-data.ts";
import { latencyRatio, latencySummary } from "./summary.ts";

const count = (svg: string, text: string) => svg.split(text).length - 1;

/** pbr and cocytus closed and open at 50:50 and 100:0; Cocytus's writes 2.5× slower, reads equal. */
function runs(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const loop of ["closed", "open"] as const) {
    for (const ratio of [50, 100] as const) {
      out.push(fixedRun("pbr", "1k", ratio, 1000, { loop, readP50: 100, updateP50: 200 }));
      out.push(fixedRun("cocytus", "1k", ratio, 900, { loop, readP50: 100, updateP50: 500 }));
    }
  }
  return out;
}

test("Cocytus / PBR latency ratios come from the same statistic of the same setting", () => {
  assert.equal(latencyRatio(runs(), "cocytus", "pbr", "1k", 50, "closed", "UPDATE", "p50"), 2.5);
  assert.equal(latencyRatio(runs(), "cocytus", "pbr", "1k", 50, "open", "READ", "p99"), 1);
  assert.equal(latencyRatio(runs(), "cocytus", "pbr", "1k", 100, "closed", "UPDATE", "p50"), undefined);
  assert.equal(latencyRatio(runs(), "cocytus", "plain", "1k", 50, "closed", "READ", "p50"), undefined);
});

test("the summary lists each system's latencies per loop and the Cocytus / PBR ratios beside the paper's claim", () => {
  const text = latencySummary({ runs: runs(), targets: equalLoadTargets(runs().filter((r) => r.loop === "closed")), fraction: 0.5, unavailable: [], header: ["Run x."] });
  assert.match(text, /## closed loop \(saturated\)/);
  assert.match(text, /## open loop, equal load/);
  assert.match(text, /\| 1 KB \| 50:50 \| pbr \| read \| 1000 \| 1000 \| 110 \| 100 \| 200 \| 400 \| – \|/);
  // fixedLatency: avg 1.1 × p50, p90 2 ×, p99 4 ×.
  assert.match(text, /\| 1 KB \| 50:50 \| cocytus \| update \| 900 \| 1000 \| 550 \| 500 \| 1000 \| 2000 \|/);
  assert.match(text, /\| closed \| 1 KB \| 50:50 \| update \| 2\.50 \| 2\.50 \| 2\.50 \|/);
  assert.match(text, /\| open \| 1 KB \| 100:0 \| read \| 1\.00 \| 1\.00 \| 1\.00 \|/);
  assert.match(text, /\| 1 KB \| 50:50 \| 450 \| cocytus \|/);
  assert.match(text, /Paper: "write latency is where Cocytus pays" \(DESIGN §11/);
  assert.match(text, /50 % of the slowest system's closed-loop throughput/);
});

test("the fig-latency figure has a bar per system, operation, statistic and loop, in one panel per ratio and operation", async () => {
  const data = latencyFigureData(runs());
  // 2 loops × (50:50 read + update, 100:0 read) × 4 statistics × 2 systems
  assert.equal(data.latency.length, 48);
  const figure = await renderFigure(await readSpec("fig-latency"), data);
  assert.equal(count(figure.svg, 'aria-roledescription="bar"'), 48);
  const heights = [...figure.svg.matchAll(/aria-roledescription="bar" d="M[^"]*?v([\d.]+)/g)].map((m) => Number(m[1]));
  assert.equal(heights.length, 48);
  assert.ok(heights.every((h) => h > 10), `every bar is drawn from the log axis's floor, found heights ${heights.slice(0, 5).join(", ")}...`);
  assert.ok(figure.svg.indexOf(">50:50 · read<") < figure.svg.indexOf(">100:0 · read<"), "panels run from 50:50 to 100:0");
  assert.match(figure.svg, />50:50 · update</);
  assert.match(figure.svg, />open loop, equal load</);
  assert.match(figure.svg, />latency \(µs\)</);
});
