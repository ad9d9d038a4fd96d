import { test } from "node:test";
import assert from "node:assert/strict";
import { LateExtras } from "./late-extras.ts";
import { seededRandom } from "./seeded-random.ts";

test("late extras agree with a Map through 50k random sets, clears to zero and deletes across growths", () => {
  const extras = new LateExtras();
  const oracle = new Map<number, [number, number]>();
  const random = seededRandom(11);
  for (let i = 0; i < 50_000; i++) {
    // Refs close together, as record refs are, with some reuse of the same ref.
    const ref = Math.floor(random() * 20_000) * 5;
    const roll = random();
    if (roll < 0.6) {
      const flags = Math.floor(random() * 2 ** 32);
      const exptime = random() < 0.5 ? 0 : Math.floor(random() * 2 ** 31);
      extras.set(ref, flags, exptime);
      if (flags === 0 && exptime === 0) oracle.delete(ref);
      else oracle.set(ref, [flags, exptime]);
    } else if (roll < 0.8) {
      extras.set(ref, 0, 0);
      oracle.delete(ref);
    } else {
      extras.delete(ref);
      oracle.delete(ref);
    }
  }
  assert.equal(extras.count, oracle.size);
  assert.ok(extras.count > 5000, `${extras.count} entries`);
  for (let ref = 0; ref < 100_000; ref += 5) {
    const [flags, exptime] = oracle.get(ref) ?? [0, 0];
    assert.equal(extras.flags(ref), flags, `flags of ref ${ref}`);
    assert.equal(extras.exptime(ref), exptime, `exptime of ref ${ref}`);
  }
  extras.clear();
  assert.equal(extras.count, 0);
  assert.equal(extras.flags(5), 0);
});
