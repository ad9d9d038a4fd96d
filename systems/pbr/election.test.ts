import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseSuccessor } from "./election.ts";

test("the survivor with the highest applied seq succeeds the primary", () => {
  assert.equal(chooseSuccessor([{ index: 1, appliedSeq: 10 }, { index: 2, appliedSeq: 12 }]), 2);
  assert.equal(chooseSuccessor([{ index: 2, appliedSeq: 12 }, { index: 1, appliedSeq: 10 }]), 2);
});

test("between survivors with the same applied seq the lowest index succeeds", () => {
  assert.equal(chooseSuccessor([{ index: 2, appliedSeq: 5 }, { index: 1, appliedSeq: 5 }]), 1);
});

test("a lone survivor succeeds, and an election without survivors is an error", () => {
  assert.equal(chooseSuccessor([{ index: 2, appliedSeq: 0 }]), 2);
  assert.throws(() => chooseSuccessor([]), /expected at least one surviving member, found none/);
});
