import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { ExponentialGenerator } from "./exponential-generator.ts";

test("an exponential generator puts the given percentile of draws below the given range", () => {
  const generator = ExponentialGenerator.withPercentile(new SplittableRandom(2), 90, 100);
  let below = 0;
  for (let i = 0; i < 100_000; i++) if (generator.nextValue() < 100) below++;
  assert.ok(Math.abs(below / 100_000 - 0.9) < 0.005, `share below 100: ${below / 100_000}`);
  assert.equal(ExponentialGenerator.withMean(new SplittableRandom(2), 42).mean(), 42);
});
