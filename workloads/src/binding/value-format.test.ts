import assert from "node:assert/strict";
import { test } from "node:test";
import { checkValue, FULL_HEADER_BYTES, keyHash, SHORT_HEADER_BYTES, writeValue, type CheckedValue } from "./value-format.ts";

const key = Buffer.from("user6284781860667377211");
const hash = keyHash(key);
const out: CheckedValue = { check: "ok", version: -1 };

function valueOf(length: number, version: number, h = hash): Buffer {
  const b = Buffer.alloc(length + 4, 0xee);
  writeValue(b, 2, length, h, version);
  return b.subarray(2, 2 + length);
}

test("a written value has exactly the requested length and checks as ok with its version", () => {
  for (const length of [0, 1, 5, 8, 9, 10, 16, 17, 18, 100, 1024, 4096, 16384, 70_000, 200_000]) {
    const value = valueOf(length, 7);
    assert.equal(value.length, length);
    assert.equal(checkValue(value, 0, length, hash, out).check, "ok", `length ${length}`);
    assert.equal(out.version, length >= SHORT_HEADER_BYTES ? 7 : -1, `version carried at length ${length}`);
  }
});

test("the same key, version and length always give the same bytes, and another version gives others", () => {
  assert.ok(valueOf(1024, 3).equals(valueOf(1024, 3)));
  assert.ok(!valueOf(1024, 3).equals(valueOf(1024, 4)));
  assert.ok(!valueOf(12, 3).equals(valueOf(12, 4)));
});

test("a single flipped byte anywhere in a full or short value is detected", () => {
  for (const length of [10, 16, FULL_HEADER_BYTES, 64, 1024]) {
    for (let i = 0; i < length; i++) {
      const value = Buffer.from(valueOf(length, 1));
      value[i] ^= 0x40;
      assert.notEqual(checkValue(value, 0, length, hash, out).check, "ok", `length ${length}, byte ${i}`);
    }
  }
});

test("a value read for another key is reported as wrong-key", () => {
  const other = keyHash(Buffer.from("user8517097267634966620"));
  assert.equal(checkValue(valueOf(1024, 1, other), 0, 1024, hash, out).check, "wrong-key");
  assert.equal(checkValue(valueOf(12, 1, other), 0, 12, hash, out).check, "wrong-key");
  assert.equal(checkValue(valueOf(6, 1, other), 0, 6, hash, out).check, "wrong-key");
});

test("a truncated value and bytes that were never written are not ok", () => {
  const value = valueOf(1024, 1);
  assert.equal(checkValue(value, 0, 1000, hash, out).check, "wrong-length");
  assert.equal(checkValue(Buffer.alloc(1024), 0, 1024, hash, out).check, "bad-magic");
  assert.equal(checkValue(Buffer.alloc(12), 0, 12, hash, out).check, "bad-magic");
});
