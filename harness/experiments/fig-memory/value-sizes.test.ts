import assert from "node:assert/strict";
import { test } from "node:test";
import { chosenSizes, valueSizeById, warmupFor } from "./value-sizes.ts";

test("the warm-up gives each of the 15 value holders ~2000 requests or 4 MiB of values, Zipf with 1 KB values, none for tiny loads", () => {
  assert.deepEqual(warmupFor(valueSizeById("1k"), 2000, 15), { records: 0, properties: valueSizeById("1k").properties });
  assert.equal(warmupFor(valueSizeById("1k"), 150_000, 15).records, 30_000);
  assert.equal(warmupFor(valueSizeById("1k"), 10_000, 15).records, 5000, "never more than half the measured records");
  assert.equal(warmupFor(valueSizeById("4k"), 40_000, 15).records, 15_360);
  assert.equal(warmupFor(valueSizeById("16k"), 10_000, 15).records, 3840);
  const zipf = warmupFor(valueSizeById("zipf"), 200_000, 15);
  assert.equal(zipf.records, 30_000);
  assert.equal(zipf.properties.fieldlength, "1024");
  assert.equal(zipf.properties.fieldlengthdistribution, "constant");
});

test("one process (the memory bench) warms up with its own ~2000 requests, at most 4 MiB of values", () => {
  assert.equal(warmupFor(valueSizeById("1k"), 150_000, 1).records, 2000);
  assert.equal(warmupFor(valueSizeById("16k"), 10_000, 1).records, 256);
  assert.equal(warmupFor(valueSizeById("zipf"), 400_000, 1).records, 2000);
});

test("--sizes picks value-size settings in the figures' order, and no --sizes picks all four", () => {
  assert.deepEqual(chosenSizes(["zipf", "4k"]).map((size) => size.id), ["4k", "zipf"]);
  assert.deepEqual(chosenSizes(undefined).map((size) => size.id), ["1k", "4k", "16k", "zipf"]);
});
