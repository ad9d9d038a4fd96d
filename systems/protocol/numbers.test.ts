import assert from "node:assert/strict";
import { test } from "node:test";
import { decimalLength, parseCasUnique, parseInt32, parseUint32, parseUint64, writeDecimal } from "./numbers.ts";

const bytes = (text: string) => Buffer.from(text, "latin1");
const int32 = (text: string) => parseInt32(bytes(text), 0, text.length);
const uint32 = (text: string) => parseUint32(bytes(text), 0, text.length);
const uint64 = (text: string) => parseUint64(bytes(text), 0, text.length);

test("a 32-bit signed token truncates like a C cast after strtol, as memcached's safe_strtol does", () => {
  assert.equal(int32("42"), 42);
  assert.equal(int32("-1"), -1);
  assert.equal(int32("4294967297"), 1);
  assert.equal(int32("2147483648"), -2147483648);
  assert.equal(int32("+7"), 7);
  assert.equal(int32("\t5"), 5);
  assert.equal(int32("5\t"), 5);
  assert.equal(int32("00000000000000000000001"), 1);
});

test("a numeric token with junk after the digits, no digits, or beyond 64 bits is rejected", () => {
  for (const text of ["5x", "x5", "", "+", "-", "0x1", "1.5", "9223372036854775808", "99999999999999999999999"]) {
    assert.equal(int32(text), null, text);
  }
  assert.equal(int32("-9223372036854775808"), 0);
});

test("an unsigned token wraps negative numbers modulo 2^64 and refuses those that look negative", () => {
  assert.equal(uint64("18446744073709551615"), 18446744073709551615n);
  assert.equal(uint64("18446744073709551616"), null);
  assert.equal(uint64("-1"), null);
  assert.equal(uint64("-0"), 0n);
  // strtoull("-18446744073709551615") is 1, which memcached accepts.
  assert.equal(uint64("-18446744073709551615"), 1n);
  assert.equal(uint32("4294967297"), 1);
  assert.equal(uint32("-1"), null);
});

test("a CAS unique above 2^53 parses as the never-matching -1", () => {
  assert.equal(parseCasUnique(bytes("123"), 0, 3), 123);
  assert.equal(parseCasUnique(bytes("18446744073709551615"), 0, 20), -1);
  assert.equal(parseCasUnique(bytes("abc"), 0, 3), null);
});

test("decimal digits are written in place with their exact length", () => {
  const out = Buffer.alloc(20);
  for (const value of [0, 7, 10, 99, 100000, 999999, 1000000, 1048576, 2147483647, 2147483648, 4294967295, Number.MAX_SAFE_INTEGER]) {
    const end = writeDecimal(out, 2, value);
    assert.equal(out.subarray(2, end).toString(), String(value));
    assert.equal(decimalLength(value), String(value).length);
  }
});
