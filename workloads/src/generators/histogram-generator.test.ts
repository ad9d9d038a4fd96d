import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { ConstantIntegerGenerator } from "./constant-integer-generator.ts";
import { HistogramGenerator } from "./histogram-generator.ts";

test("a histogram file gives sizes that are multiples of its block size, in its proportions", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "histogram-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "hist.txt");
  writeFileSync(file, "BlockSize\t512\n0\t0\n1\t3\n2\t1\n");
  const generator = HistogramGenerator.fromFile(new SplittableRandom(4), file);
  assert.equal(generator.mean(), (512 * (1 * 3 + 2 * 1)) / 4);
  assert.equal(generator.maxValue, 1024);
  const counts = new Map<number, number>();
  for (let i = 0; i < 40_000; i++) {
    const value = generator.nextValue();
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [512, 1024]);
  // YCSB's loop on nextInt(4): 0 is "≤ 0" after bucket 0 → 512; 1..3 after bucket 1 → 1024.
  assert.ok(Math.abs(counts.get(512)! / 40_000 - 0.25) < 0.02);
});

test("a histogram file without its BlockSize line is refused with the line found", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "histogram-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "bad.txt");
  writeFileSync(file, "0\t5\n");
  assert.throws(() => HistogramGenerator.fromFile(new SplittableRandom(1), file), /line 1: the first line must be "BlockSize<TAB>n", found "0\t5"/);
  assert.throws(() => HistogramGenerator.fromFile(new SplittableRandom(1), join(dir, "missing.txt")), /Couldn't read field length histogram file/);
});

test("a constant generator always gives its value", () => {
  const generator = new ConstantIntegerGenerator(1024);
  assert.equal(generator.nextValue(), 1024);
  assert.equal(generator.mean(), 1024);
});
