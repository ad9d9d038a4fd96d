import assert from "node:assert/strict";
import { test } from "node:test";
import { javaDouble, percentileOrdinal } from "./java-format.ts";

test("doubles print as Java's Double.toString prints them", () => {
  assert.equal(javaDouble(42), "42.0");
  assert.equal(javaDouble(1234.5678), "1234.5678");
  assert.equal(javaDouble(0.001), "0.001");
  assert.equal(javaDouble(0.0001), "1.0E-4");
  assert.equal(javaDouble(1e7), "1.0E7");
  assert.equal(javaDouble(12345678.9), "1.23456789E7");
  assert.equal(javaDouble(0), "0.0");
  assert.equal(javaDouble(NaN), "NaN");
  assert.equal(javaDouble(1 / 3), "0.3333333333333333");
});

test("percentiles are named as YCSB names them", () => {
  assert.deepEqual([50, 95, 99, 11, 21, 99.9].map(percentileOrdinal), ["50th", "95th", "99th", "11th", "21st", "99.9"]);
});
