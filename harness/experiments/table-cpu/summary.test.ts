import assert from "node:assert/strict";
import { test } from "node:test";
import { readSpec, renderFigure } from "../../report/render.ts";
import type { RunRecord } from "../fig-throughput/measurement.ts";
import { fixedRun } from "../fig-throughput/test-fixtures.ts";
import { cpuFigureData } from "./figure-data.ts";
import { roleCpu } from "./role-cpu.ts";
import { cpuSummary, roleRatio, systemRatio } from "./summary.ts";

const count = (svg: string, text: string) => svg.split(text).length - 1;

/** Four systems at 50:50 and 95:5 over 10 s windows. */
function runs(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const ratio of [50, 95] as const) {
    const w = ratio === 50 ? 1 : 0.5;
    out.push(fixedRun("memcached", "1k", ratio, 2000, { cpu: { plain: { processes: 15, cpuSeconds: 10 } } }));
    out.push(fixedRun("plain", "1k", ratio, 1000, { cpu: { plain: { processes: 15, cpuSeconds: 10 } } }));
    out.push(fixedRun("pbr", "1k", ratio, 1000, { cpu: { primary: { processes: 15, cpuSeconds: 8 }, backup: { processes: 30, cpuSeconds: 4 * w } } }));
    out.push(fixedRun("cocytus", "1k", ratio, 500, { cpu: { data: { processes: 15, cpuSeconds: 8 }, parity: { processes: 10, cpuSeconds: 2 * w } } }));
  }
  return out;
}

test("ratios: roles within a system from the same run, systems per operation", () => {
  const rows = roleCpu(runs());
  assert.equal(roleRatio(rows, 50, "pbr", "backup", "primary"), 0.5);
  assert.equal(roleRatio(rows, 95, "cocytus", "parity", "data"), 0.125);
  // per 1000 ops: cocytus (8 + 2) / 5000 ops = 2; pbr (8 + 4) / 10 000 = 1.2; memcached 10 / 20 000 = 0.5
  assert.ok(Math.abs((systemRatio(rows, 50, "cocytus", "pbr") ?? 0) - 2 / 1.2) < 1e-9);
  assert.equal(systemRatio(rows, 50, "plain", "memcached"), 2);
  assert.equal(systemRatio(rows, 100, "plain", "memcached"), undefined);
});

test("the summary lays out Table 2 with the paper's numbers beside ours, per 1000 operations, and the ratios with the paper's", () => {
  const text = cpuSummary({ rows: roleCpu(runs()), unavailable: [], header: ["Run x."] });
  assert.match(text, /\| read:write \| Memcached \(native\) \(15\) \| plain \(ours\) \(15\) \| PBR primaries \(15\) \| PBR backups \(30\) \| Cocytus data \(15\) \| Cocytus parity \(10\) \|/);
  assert.match(text, /\| 50:50 \| 100 % \(paper 231 %\) \| 100 % \| 80 % \(paper 439 %\) \| 40 % \(paper 189 %\) \| 80 % \(paper 802 %\) \| 20 % \(paper 255 %\) \|/);
  assert.match(text, /\| 95:5 \| 100 % \(paper 228 %\) \| 100 % \| 80 % \(paper 234 %\) \| 20 % \(paper 60 %\) \| 80 % \(paper 256 %\) \| 10 % \(paper 54 %\) \|/);
  assert.match(text, /\| 50:50 \| 0\.500 \| 1\.000 \| 0\.800 \| 0\.400 \| 1\.600 \| 0\.400 \| 0\.500 \| 1\.000 \| 1\.200 \| 2\.000 \|/);
  // paper 50:50: 189 / 439 = 0.43; 255 / 802 = 0.32; (802 + 255) / (439 + 189) = 1.68; 628 / 231 = 2.72
  assert.match(text, /\| PBR backups \/ primaries \| 0\.50 \(paper 0\.43\) \| 0\.25 \(paper 0\.26\) \|/);
  assert.match(text, /\| Cocytus parity \/ data \| 0\.25 \(paper 0\.32\) \| 0\.13 \(paper 0\.21\) \|/);
  assert.match(text, /\| Cocytus \/ PBR \(all server roles\) \| 1\.67 \(paper 1\.68\) \|/);
  assert.match(text, /\| PBR \/ Memcached \| 2\.40 \(paper 2\.72\) \|/);
  assert.match(text, /\| plain \(ours\) \/ Memcached \| 2\.00 \| 2\.00 \|/);
  assert.match(text, /FAST'16 slides, "CPU Overhead" table/);
});

test("the table-cpu figure stacks our roles per system and read ratio beside the paper's", async () => {
  const data = cpuFigureData(roleCpu(runs()));
  // ours: 2 ratios × (memcached 1 + plain 1 + pbr 2 + cocytus 2); paper: 3 ratios × 5 roles (no plain in the paper)
  assert.equal(data.ours.length, 12);
  assert.equal(data.paper.length, 15);
  const figure = await renderFigure(await readSpec("table-cpu"), data);
  assert.equal(count(figure.svg, 'aria-roledescription="bar"'), 27);
  assert.match(figure.svg, />CPU seconds per 1000 operations</);
  assert.match(figure.svg, />paper \(Table 2\)</);
  assert.match(figure.svg, />parity</);
});
