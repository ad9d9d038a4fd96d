import assert from "node:assert/strict";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { ZIPFIAN_CONSTANT, ZipfianGenerator, zetaStatic } from "./zipfian-generator.ts";

test("zeta(1000, 0.99) is YCSB's 7.728953217284729 and small zetas are the hand-computed sums", () => {
  assert.equal(zetaStatic(0, 1000, ZIPFIAN_CONSTANT, 0), 7.728953217284729);
  assert.equal(zetaStatic(0, 1, 0.99, 0), 1);
  assert.equal(zetaStatic(0, 2, 0.99, 0), 1 + 1 / 2 ** 0.99);
  assert.equal(zetaStatic(0, 3, 0.5, 0), 1 + 1 / Math.sqrt(2) + 1 / Math.sqrt(3));
});

test("extending zeta incrementally gives exactly the from-scratch sum", () => {
  const partial = zetaStatic(0, 600, 0.99, 0);
  assert.equal(zetaStatic(600, 1000, 0.99, partial), zetaStatic(0, 1000, 0.99, 0));
});

test("ZipfianGenerator(0, 999) seeded 42 draws what YCSB's Java code draws, constructor draw included", () => {
  // JDK 17, YCSB's ZipfianGenerator code with ThreadLocalRandom replaced by SplittableRandom(42).
  const generator = new ZipfianGenerator(new SplittableRandom(42), 0, 999);
  const draws = Array.from({ length: 16 }, () => generator.nextValue());
  assert.deepEqual(draws, [1, 3, 6, 0, 371, 2, 222, 6, 55, 2, 20, 24, 25, 79, 2, 0]);
});

test("the constructor draws exactly one double from the stream", () => {
  const random = new SplittableRandom(9);
  new ZipfianGenerator(random, 0, 99);
  const reference = new SplittableRandom(9);
  reference.nextDouble();
  assert.equal(random.nextDouble(), reference.nextDouble());
});

test("the two most popular items are min and min + 1, and shortcut draws leave lastValue alone", () => {
  const generator = new ZipfianGenerator(new SplittableRandom(3), 100, 1099);
  const counts = new Map<number, number>();
  let lastNonShortcut = Number.NaN;
  for (let i = 0; i < 100_000; i++) {
    const value = generator.nextValue();
    counts.set(value, (counts.get(value) ?? 0) + 1);
    assert.ok(value >= 100 && value <= 1099, `value ${value} in range`);
    if (value > 101) lastNonShortcut = value;
    assert.equal(generator.lastValue(), lastNonShortcut);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  assert.equal(sorted[0][0], 100);
  assert.equal(sorted[1][0], 101);
  // P(min) = 1 / zeta(1000) ≈ 12.9 %.
  assert.ok(Math.abs(sorted[0][1] / 100_000 - 1 / 7.728953217284729) < 0.005);
});

// Gray et al.'s formula as YCSB writes it, for a draw u: eta uses `items` (the count given to the
// constructor) even when zeta was computed for another count.
function expectedDraw(u: number, itemCount: number, items: number, zetan: number): number {
  const theta = 0.99;
  const zeta2 = 1 + 1 / 2 ** theta;
  const eta = (1 - Math.pow(2 / items, 1 - theta)) / (1 - zeta2 / zetan);
  if (u * zetan < 1) return 0;
  if (u * zetan < 1 + Math.pow(0.5, theta)) return 1;
  return Math.trunc(itemCount * Math.pow(eta * u - eta + 1, 1 / (1 - theta)));
}

test("asking for more items extends zeta to the new count, keeping eta's constructor item count", () => {
  const generator = new ZipfianGenerator(new SplittableRandom(1), 0, 99);
  const stream = new SplittableRandom(1);
  stream.nextDouble(); // the constructor's draw
  const zeta200 = zetaStatic(0, 200, 0.99, 0);
  for (let i = 0; i < 200; i++) assert.equal(generator.nextLong(200), expectedDraw(stream.nextDouble(), 200, 100, zeta200));
});

test("asking for fewer items keeps zeta of the larger count by default", () => {
  const generator = new ZipfianGenerator(new SplittableRandom(2), 0, 999);
  const stream = new SplittableRandom(2);
  stream.nextDouble();
  const zeta1000 = zetaStatic(0, 1000, 0.99, 0);
  for (let i = 0; i < 200; i++) assert.equal(generator.nextLong(10), expectedDraw(stream.nextDouble(), 10, 1000, zeta1000));
});

test("with allowItemCountDecrease a smaller item count recomputes zeta from scratch", () => {
  const original = process.emitWarning;
  const warnings: string[] = [];
  process.emitWarning = ((message: string) => warnings.push(message)) as typeof process.emitWarning;
  try {
    const generator = new ZipfianGenerator(new SplittableRandom(4), 0, 999, { allowItemCountDecrease: true });
    const stream = new SplittableRandom(4);
    stream.nextDouble();
    const zeta10 = zetaStatic(0, 10, 0.99, 0);
    for (let i = 0; i < 200; i++) assert.equal(generator.nextLong(10), expectedDraw(stream.nextDouble(), 10, 1000, zeta10));
    assert.equal(warnings.length, 1, "recomputed once, then countforzeta is 10");
    assert.match(warnings[0], /itemcount=10 countforzeta=1000/);
  } finally {
    process.emitWarning = original;
  }
});

test("a range with max < min is refused with both bounds", () => {
  assert.throws(() => new ZipfianGenerator(new SplittableRandom(1), 10, 5), /min=10 max=5/);
});
