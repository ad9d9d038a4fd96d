import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "./splittable-random.ts";
import { uint64Mod, uint64ToBigInt, uint64ToDecimal } from "./uint64.ts";

test("uint64Mod and uint64ToDecimal agree with BigInt at the edges and on random halves", () => {
  const halves: Array<[number, number]> = [
    [0, 0],
    [0, 1],
    [0x001fffff, 0xffffffff],
    [0x00200000, 0],
    [0x7fffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
  ];
  const random = new SplittableRandom(3);
  for (let i = 0; i < 2000; i++) halves.push([random.nextInt() >>> 0, random.nextInt() >>> 0]);
  const moduli = [1, 2, 999, 2 ** 21, 2 ** 21 + 1, 2 ** 37, 2 ** 37 + 1, Number.MAX_SAFE_INTEGER];
  for (const [hi, lo] of halves) {
    const value = uint64ToBigInt(hi, lo);
    assert.equal(uint64ToDecimal(hi, lo), value.toString());
    for (const m of moduli) assert.equal(uint64Mod(hi, lo, m), Number(value % BigInt(m)), `${value} % ${m}`);
  }
});
