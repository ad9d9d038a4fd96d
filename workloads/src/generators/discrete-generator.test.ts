import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { DiscreteGenerator } from "./discrete-generator.ts";

test("values are chosen in proportion to their weights, with one double per choice", () => {
  const generator = new DiscreteGenerator<string>(new SplittableRandom(12));
  generator.addValue(0.95, "READ");
  generator.addValue(0.05, "UPDATE");
  const stream = new SplittableRandom(12);
  let reads = 0;
  for (let i = 0; i < 100_000; i++) {
    const value = generator.nextValue();
    assert.equal(value, stream.nextDouble() < 0.95 ? "READ" : "UPDATE");
    if (value === "READ") reads++;
  }
  assert.ok(Math.abs(reads / 100_000 - 0.95) < 0.005);
});

test("weights need not sum to one, and lastValue draws once and then sticks (YCSB's quirk)", () => {
  const generator = new DiscreteGenerator<string>(new SplittableRandom(1));
  generator.addValue(3, "a");
  generator.addValue(1, "b");
  const first = generator.lastValue();
  for (let i = 0; i < 20; i++) generator.nextValue();
  assert.equal(generator.lastValue(), first);
});

test("a generator without values says so", () => {
  assert.throws(() => new DiscreteGenerator<string>(new SplittableRandom(1)).nextValue(), /no values to choose from/);
});
