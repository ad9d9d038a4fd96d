import assert from "node:assert/strict";
import { test } from "node:test";
import { SequentialGenerator } from "./sequential-generator.ts";

test("a sequential generator cycles through its range and keeps YCSB's lastValue quirk", () => {
  const generator = new SequentialGenerator(10, 12);
  assert.deepEqual(Array.from({ length: 7 }, () => generator.nextValue()), [10, 11, 12, 10, 11, 12, 10]);
  // YCSB returns the internal counter + 1, not the last value.
  assert.equal(generator.lastValue(), 8);
});
