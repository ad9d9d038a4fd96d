import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { CounterGenerator } from "./counter-generator.ts";
import { SkewedLatestGenerator } from "./skewed-latest-generator.ts";

test("latest over CounterGenerator(1000) seeded 42 draws what YCSB's Java code draws", () => {
  const generator = new SkewedLatestGenerator(new SplittableRandom(42), new CounterGenerator(1000));
  const draws = Array.from({ length: 16 }, () => generator.nextValue());
  assert.deepEqual(draws, [996, 993, 999, 628, 997, 777, 993, 944, 997, 979, 975, 974, 920, 997, 999, 978]);
});

test("the newest item is the most popular, item 0 is never drawn, and new items join as the counter grows", () => {
  const basis = new CounterGenerator(100); // items 0..99 exist
  const generator = new SkewedLatestGenerator(new SplittableRandom(5), basis);
  const counts = new Map<number, number>();
  for (let i = 0; i < 20_000; i++) {
    const value = generator.nextValue();
    assert.ok(value >= 1 && value <= 99, `value ${value}`);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  assert.equal([...counts].sort((a, b) => b[1] - a[1])[0][0], 99);
  for (let i = 0; i < 50; i++) basis.nextValue(); // items up to 149 now
  let newest = 0;
  for (let i = 0; i < 20_000; i++) {
    const value = generator.nextValue();
    assert.ok(value <= 149);
    if (value === 149) newest++;
  }
  assert.ok(newest > 2000, `newest item drawn ${newest} times`);
});
