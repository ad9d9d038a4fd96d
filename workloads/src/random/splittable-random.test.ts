import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "./splittable-random.ts";

// The same algorithm on BigInt, written from the SplitMix64 description, as an independent reference.
function referenceStream(seed: bigint): () => bigint {
  const mask = (1n << 64n) - 1n;
  let state = BigInt.asUintN(64, seed);
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return BigInt.asIntN(64, z ^ (z >> 31n));
  };
}

test("new SplittableRandom(42) gives Java's check values for nextLong, nextDouble and nextInt(bound)", () => {
  const random = new SplittableRandom(42);
  assert.equal(random.nextLong(), -4767286540954276203n);
  assert.equal(random.nextLong(), 2949826092126892291n);
  assert.equal(random.nextDouble(), 0.27860113025513866);
  assert.equal(random.nextInt(1000), 172);
});

test("every kind of draw matches JDK 17's java.util.SplittableRandom(-7)", () => {
  // Printed by JDK 17 for the same calls in the same order.
  const random = new SplittableRandom(-7);
  assert.equal(random.nextInt(), -669310854);
  assert.equal(random.nextInt(7), 2);
  assert.equal(random.nextInt(-5, 1000000007), 569427416);
  assert.equal(random.nextLong(1000000000000n), 344096974945n);
  assert.equal(random.nextInt(-2147483648 + 3, 2147483647), -1744494309);
  assert.equal(random.nextLong((1n << 63n) - 1n - 5n), 7451486632951850530n);
  assert.equal(random.nextInt(1 << 20), 169633);
  assert.equal(random.nextDouble(), 0.006663371782152483);
});

test("nextLong agrees with a BigInt SplitMix64 over many seeds and draws", () => {
  for (const seed of [0n, 1n, -1n, 42n, 123456789n, -(1n << 63n), (1n << 63n) - 1n, 0x9e3779b97f4a7c15n - (1n << 64n)]) {
    const random = new SplittableRandom(seed);
    const reference = referenceStream(seed);
    for (let i = 0; i < 2000; i++) assert.equal(random.nextLong(), reference(), `seed ${seed}, draw ${i}`);
  }
});

test("nextDouble is the top 53 bits of nextLong scaled to [0, 1)", () => {
  const a = new SplittableRandom(2024);
  const b = new SplittableRandom(2024);
  for (let i = 0; i < 1000; i++) {
    const expected = Number(BigInt.asUintN(64, b.nextLong()) >> 11n) / 2 ** 53;
    const d = a.nextDouble();
    assert.equal(d, expected);
    assert.ok(d >= 0 && d < 1);
  }
});

test("nextAbsLongMod is Java's Math.abs(nextLong()) % m, for small and large moduli", () => {
  for (const m of [1, 7, 1000, 2 ** 21 + 3, 10_000_000_019, 2 ** 40 + 1, Number.MAX_SAFE_INTEGER]) {
    const a = new SplittableRandom(m);
    const b = new SplittableRandom(m);
    for (let i = 0; i < 500; i++) {
      const long = b.nextLong();
      const abs = long < 0n && long !== -(1n << 63n) ? -long : long;
      assert.equal(a.nextAbsLongMod(m), Number(abs % BigInt(m)), `m=${m} draw ${i}`);
    }
  }
});

test("bounded draws stay inside their bounds, powers of two included", () => {
  const random = new SplittableRandom(5);
  for (let i = 0; i < 5000; i++) {
    const below = random.nextInt(1000);
    assert.ok(below >= 0 && below < 1000);
    const power = random.nextInt(64);
    assert.ok(power >= 0 && power < 64);
    const between = random.nextInt(-10, 10);
    assert.ok(between >= -10 && between < 10);
    const long = random.nextLong(3n);
    assert.ok(long >= 0n && long < 3n);
  }
});

test("bad bounds and seeds are refused with the value found", () => {
  const random = new SplittableRandom(1);
  assert.throws(() => random.nextInt(0), /bound must be a positive Java int, found 0/);
  assert.throws(() => random.nextInt(5, 5), /bound must be greater than origin, found 5 and 5/);
  assert.throws(() => random.nextLong(-3n), /bound must be positive, found -3/);
  assert.throws(() => new SplittableRandom(1.5), /seed must be an integer, found 1.5/);
  assert.throws(() => new SplittableRandom(1n << 63n), /seed must fit a Java long/);
});
