import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { HotspotIntegerGenerator } from "./hotspot-integer-generator.ts";

test("HotspotIntegerGenerator(0, 999) with YCSB's defaults seeded 42 draws what YCSB's Java code draws", () => {
  const generator = new HotspotIntegerGenerator(new SplittableRandom(42), 0, 999);
  const draws = Array.from({ length: 16 }, () => generator.nextValue());
  assert.deepEqual(draws, [91, 164, 154, 108, 42, 46, 121, 130, 61, 8, 641, 87, 185, 25, 805, 34]);
});

test("over a huge range the hot set stops at 2^31 - 1 values, as Java's (int) cast makes it", () => {
  const generator = new HotspotIntegerGenerator(new SplittableRandom(5), 0, 9007199254740990);
  const draws = Array.from({ length: 5 }, () => generator.nextValue());
  // JDK 17 output for the same generator and seed.
  assert.deepEqual(draws, [1798989421, 216159947, 1927703718, 2381413225992404, 1785724815]);
});

test("80 % of the draws go to the first 20 % of the range", () => {
  const generator = new HotspotIntegerGenerator(new SplittableRandom(6), 1000, 1999);
  let hot = 0;
  for (let i = 0; i < 100_000; i++) {
    const value = generator.nextValue();
    assert.ok(value >= 1000 && value <= 1999);
    if (value < 1200) hot++;
  }
  assert.ok(Math.abs(hot / 100_000 - 0.8) < 0.01, `hot share ${hot / 100_000}`);
  assert.equal(generator.mean(), 0.8 * (1000 + 100) + 0.2 * (1000 + 200 + 400));
});

test("like YCSB, bad fractions become 0 and swapped bounds are swapped back, with warnings", () => {
  const generator = new HotspotIntegerGenerator(new SplittableRandom(1), 99, 0, 1.5, -1);
  assert.equal(generator.lowerBound, 0);
  assert.equal(generator.upperBound, 99);
  assert.equal(generator.hotsetFraction, 0);
  assert.equal(generator.hotOpnFraction, 0);
  assert.equal(generator.warnings.length, 3);
  for (let i = 0; i < 100; i++) assert.ok(generator.nextValue() <= 99);
});
