import assert from "node:assert/strict";
import { test } from "node:test";
import { chosenSizes, valueSizeById, warmupFor } from "./value-sizes.ts";

test("the warm-up gives each of the 15 value holders 10 000 requests, at most 4 MiB of them in the measured size and the rest 1 KB, none for tiny loads", () => {
  const oneK = valueSizeById("1k").properties;
  assert.deepEqual(warmupFor(valueSizeById("1k"), 2000, 15), { records: 0, phases: [] });
  assert.deepEqual(warmupFor(valueSizeById("1k"), 2_000_000, 15), { records: 150_000, phases: [{ records: 150_000, firstRecord: 0, properties: oneK }] });
  assert.equal(warmupFor(valueSizeById("1k"), 150_000, 15).records, 75_000, "never more than half the measured records");
  const sixteen = warmupFor(valueSizeById("16k"), 125_000, 15);
  assert.deepEqual(sixteen.phases.map((phase) => [phase.records, phase.firstRecord, phase.properties.fieldlength]), [[3840, 0, "16384"], [58_660, 3840, "1024"]]);
  assert.equal(sixteen.records, 62_500);
  assert.deepEqual(warmupFor(valueSizeById("16k"), 6000, 15).phases.map((phase) => phase.records), [3000], "half the measured records, all of the measured size");
  const zipf = warmupFor(valueSizeById("zipf"), 4_000_000, 15);
  assert.equal(zipf.records, 150_000);
  assert.ok(zipf.phases.every((phase) => phase.properties.fieldlength === "1024" && phase.properties.fieldlengthdistribution === "constant"));
});

test("one process (the memory bench) warms up with its own 10 000 requests, at most 4 MiB of values of the measured size", () => {
  assert.equal(warmupFor(valueSizeById("1k"), 150_000, 1).records, 10_000);
  assert.deepEqual(warmupFor(valueSizeById("16k"), 40_000, 1).phases.map((phase) => phase.records), [256, 9744]);
});

test("--sizes picks value-size settings in the figures' order, and no --sizes picks all four", () => {
  assert.deepEqual(chosenSizes(["zipf", "4k"]).map((size) => size.id), ["4k", "zipf"]);
  assert.deepEqual(chosenSizes(undefined).map((size) => size.id), ["1k", "4k", "16k", "zipf"]);
});
