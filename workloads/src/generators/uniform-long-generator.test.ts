import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { UniformLongGenerator } from "./uniform-long-generator.ts";

test("UniformLongGenerator(0, 999) seeded 42 draws what YCSB's Java code draws", () => {
  const generator = new UniformLongGenerator(new SplittableRandom(42), 0, 999);
  const draws = Array.from({ length: 16 }, () => generator.nextValue());
  assert.deepEqual(draws, [203, 291, 858, 764, 250, 554, 925, 708, 5, 642, 207, 646, 218, 121, 660, 130]);
});

test("draws pass a chi-square test of uniformity over 100 values", () => {
  const generator = new UniformLongGenerator(new SplittableRandom(77), 1000, 1099);
  const counts = new Array<number>(100).fill(0);
  const draws = 200_000;
  for (let i = 0; i < draws; i++) {
    const value = generator.nextValue();
    assert.ok(value >= 1000 && value <= 1099);
    counts[value - 1000]++;
  }
  const expected = draws / 100;
  const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
  // 99 degrees of freedom: the 0.1 % critical value is 148.2.
  assert.ok(chiSquare < 148.2, `chi-square ${chiSquare}`);
  assert.equal(generator.mean(), 1049.5);
});

test("swapped bounds are refused", () => {
  assert.throws(() => new UniformLongGenerator(new SplittableRandom(1), 5, 4), /lb=5 ub=4/);
});
