import assert from "node:assert/strict";
import { test } from "node:test";
import { blockedPlans, checkTimeline, memoryShortfall, recoveryPlans, resolvePlan } from "./plan.ts";

test("every profile's timeline kills after the warm-up, in order, before the end", () => {
  for (const plan of [recoveryPlans.fast, recoveryPlans.paper, blockedPlans.fast, blockedPlans.paper]) checkTimeline(plan);
  assert.throws(() => checkTimeline({ ...recoveryPlans.fast, kills: [{ atSeconds: 30, node: 0 }, { atSeconds: 10, node: 1 }] }), /kills\[1\]\.atSeconds must be after 30 s .* found 10/);
  assert.throws(() => checkTimeline({ ...recoveryPlans.fast, kills: [{ atSeconds: 60, node: 0 }] }), /before the end of the run at 50 s, found 60/);
});

test("the paper's 12 GB per node is refused where RAM cannot hold it, with the way out; --records overrides the profile", () => {
  const paper = recoveryPlans.paper.records;
  assert.equal(paper, Math.round((12 * 2 ** 30 * 5) / 1024));
  assert.match(memoryShortfall(paper, 24 * 2 ** 30) ?? "", /^~216\.0 GiB of RAM to load 62914560 records .* this machine has 24\.0 GiB: pass --records N/);
  assert.equal(memoryShortfall(recoveryPlans.fast.records, 24 * 2 ** 30), undefined);
  assert.equal(resolvePlan(recoveryPlans.paper, 5000).records, 5000);
  assert.equal(resolvePlan(recoveryPlans.fast, undefined), recoveryPlans.fast);
});
