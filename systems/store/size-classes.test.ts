import { test } from "node:test";
import assert from "node:assert/strict";
import { SizeClasses, sizeClassOf, sizeOfClass } from "./size-classes.ts";

test("every length maps to the smallest class that holds it", () => {
  for (let length = 0; length <= 70_000; length++) {
    const c = sizeClassOf(length);
    assert.ok(sizeOfClass(c) >= length, `class ${c} holds ${length}`);
    if (c > 0) assert.ok(sizeOfClass(c - 1) < length, `class ${c - 1} is too small for ${length}`);
  }
});

test("class sizes are multiples of 8 and strictly increasing", () => {
  const classes = new SizeClasses(1024 * 1024);
  for (let c = 0; c < classes.count; c++) {
    assert.equal(classes.size(c) % 8, 0);
    if (c > 0) assert.ok(classes.size(c) > classes.size(c - 1));
  }
  assert.equal(classes.size(classes.count - 1), 1024 * 1024, "the largest class is the maximum item size");
});

test("the paper's value sizes of 1024, 4096 and 16384 bytes waste nothing", () => {
  for (const length of [1024, 4096, 16384]) assert.equal(sizeOfClass(sizeClassOf(length)), length);
});

test("values of 10 B to 1 KB waste at most 7 bytes and values above 1 KB at most 1/64", () => {
  for (let length = 10; length <= 1024; length++) assert.ok(sizeOfClass(sizeClassOf(length)) - length <= 7);
  for (let length = 1025; length <= 1024 * 1024; length += 7) {
    const waste = sizeOfClass(sizeClassOf(length)) - length;
    assert.ok(waste / length < 1 / 64, `${length} wastes ${waste}`);
  }
});

test("lengths beyond the maximum item size, negative or fractional have no class", () => {
  const classes = new SizeClasses(4096);
  assert.equal(classes.classOf(4097), -1);
  assert.equal(classes.classOf(-1), -1);
  assert.equal(classes.classOf(1.5), -1);
  assert.equal(classes.classOf(Number.NaN), -1);
  assert.equal(classes.size(classes.classOf(4096)), 4096);
});
