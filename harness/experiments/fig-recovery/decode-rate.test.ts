import assert from "node:assert/strict";
import { test } from "node:test";
import { measureDecodeRate } from "./decode-rate.ts";

test("the decode rate rebuilds a lost page correctly, within its bounds, and reports the best round", async () => {
  const rate = await measureDecodeRate({ rounds: 2, roundMs: 50, maxCalls: 200 });
  assert.equal(rate.roundsBytesPerSec.length, 2);
  assert.ok(rate.calls >= 1 && rate.calls <= 200);
  assert.equal(rate.bytesPerSec, Math.max(...rate.roundsBytesPerSec));
  assert.ok(rate.bytesPerSec > 0);
  assert.deepEqual([rate.k, rate.m, rate.lostPages], [3, 2, 1]);
});
