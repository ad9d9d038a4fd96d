import assert from "node:assert/strict";
import { test } from "node:test";
import { BitSet } from "./bit-set.ts";
import { seededRandom } from "./seeded-random.ts";

test("next finds the smallest member at or above a position, as a scan of a plain set does", () => {
  const random = seededRandom(17);
  const set = new BitSet();
  const members = new Set<number>();
  for (let i = 0; i < 400; i++) {
    const n = Math.floor(random() * 2000);
    if (random() < 0.7) {
      set.add(n);
      members.add(n);
    } else {
      set.delete(n);
      members.delete(n);
    }
    set.lowest(); // moves the hint that next must respect
    const from = Math.floor(random() * 2100);
    let expected = -1;
    for (let m = from; m < 2100 && expected < 0; m++) if (members.has(m)) expected = m;
    assert.equal(set.next(from), expected, `next(${from}) after ${i + 1} changes`);
  }
});
