import assert from "node:assert/strict";
import { test } from "node:test";
import { fnvhash64, fnvhash64Decimal, fnvhash64Mod } from "./fnv-hash.ts";
import { SplittableRandom } from "./splittable-random.ts";

// Utils.fnvhash64 on BigInt, as an independent reference.
function reference(val: bigint): bigint {
  let hash = 0xcbf29ce484222325n;
  let v = BigInt.asIntN(64, val);
  for (let i = 0; i < 8; i++) {
    hash ^= v & 0xffn;
    v >>= 8n;
    hash = BigInt.asIntN(64, hash * 1099511628211n);
  }
  return hash < 0n && hash !== -(1n << 63n) ? -hash : hash;
}

test("fnvhash64 gives YCSB's check values for 0 and -1", () => {
  assert.equal(fnvhash64(0), 6284781860667377211n);
  assert.equal(fnvhash64(-1), 8289690350564177859n);
  assert.equal(fnvhash64Decimal(0), "6284781860667377211");
  assert.equal(fnvhash64Decimal(1), "8517097267634966620");
});

test("fnvhash64 matches values printed by Java for the same inputs", () => {
  // From a JDK 17 run of YCSB's loop (FNV-1a over 8 bytes, then Math.abs).
  assert.equal(fnvhash64(255), 8064062821143829734n);
  assert.equal(fnvhash64(2 ** 40 + 7), 6089181255519459853n);
  assert.equal(fnvhash64(-(2 ** 53) + 1), 8302781560618093111n);
  assert.equal(fnvhash64Mod(123456789, 10000000019), 7442227725);
});

test("the fast hash, its decimal form and its remainder agree with a BigInt reference", () => {
  const inputs = [0, 1, -1, 2, 255, 256, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 10_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  const random = new SplittableRandom(11);
  for (let i = 0; i < 3000; i++) inputs.push(Math.floor(random.nextDouble() * 2 ** 53) * (i % 2 === 0 ? 1 : -1));
  for (const val of inputs) {
    const expected = reference(BigInt(val));
    assert.equal(fnvhash64(val), expected, `fnvhash64(${val})`);
    assert.equal(fnvhash64Decimal(val), expected.toString(), `decimal of ${val}`);
    for (const m of [1000, 1001, 2 ** 31 - 1, 10_000_000_001]) {
      assert.equal(fnvhash64Mod(val, m), Number(expected % BigInt(m)), `fnvhash64(${val}) % ${m}`);
    }
  }
});

test("fnvhash64 refuses a value that is not an exact integer", () => {
  assert.throws(() => fnvhash64(0.5), /fnvhash64 needs an integer, found 0.5/);
  assert.throws(() => fnvhash64(2 ** 60), /fnvhash64 needs an integer/);
});
