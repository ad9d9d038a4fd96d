import assert from "node:assert/strict";
import { test } from "node:test";
import { fnvhash64Mod } from "../random/fnv-hash.ts";
import { SplittableRandom } from "../random/splittable-random.ts";
import { SCRAMBLED_ITEM_COUNT, SCRAMBLED_ZETAN, ScrambledZipfianGenerator } from "./scrambled-zipfian-generator.ts";
import { ZipfianGenerator } from "./zipfian-generator.ts";

test("ScrambledZipfianGenerator(0, 999) seeded 42 draws what YCSB's Java code draws", () => {
  const generator = new ScrambledZipfianGenerator(new SplittableRandom(42), 0, 999);
  const draws = Array.from({ length: 16 }, () => generator.nextValue());
  assert.deepEqual(draws, [672, 457, 304, 620, 728, 144, 579, 8, 472, 803, 563, 585, 872, 929, 177, 587]);
});

test("a draw is min + fnvhash64(zipfian draw over 10^10 + 1 items with zeta 26.469…) % itemcount", () => {
  const scrambled = new ScrambledZipfianGenerator(new SplittableRandom(8), 100, 2147483646);
  const inner = new ZipfianGenerator(new SplittableRandom(8), 0, SCRAMBLED_ITEM_COUNT, { zetan: SCRAMBLED_ZETAN });
  assert.equal(inner.items, 10_000_000_001);
  for (let i = 0; i < 1000; i++) {
    const value = scrambled.nextValue();
    assert.equal(value, 100 + fnvhash64Mod(inner.nextValue(), 2147483547));
    assert.equal(scrambled.lastValue(), value);
  }
});

test("over 1000 items the hottest key gets about 3.8 % of the draws (1 / zeta over 10^10 items)", () => {
  const generator = new ScrambledZipfianGenerator(new SplittableRandom(1), 0, 999);
  const counts = new Uint32Array(1000);
  const draws = 1_000_000;
  for (let i = 0; i < draws; i++) counts[generator.nextValue()]++;
  const hottest = Math.max(...counts) / draws;
  assert.ok(hottest > 0.036 && hottest < 0.041, `hottest share ${hottest}`);
  // The hottest key is the hash of Zipfian item 0, not key 0.
  assert.equal(counts.indexOf(Math.max(...counts)), fnvhash64Mod(0, 1000));
  assert.equal(new ScrambledZipfianGenerator(new SplittableRandom(1), 0, 999).mean(), 499.5);
});
