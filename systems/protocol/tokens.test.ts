import assert from "node:assert/strict";
import { test } from "node:test";
import { Tokens } from "./tokens.ts";

function split(line: string): { tokens: string[]; rest: string | null } {
  const t = new Tokens();
  const buf = Buffer.from(line, "latin1");
  t.split(buf, 0, buf.length);
  const tokens = Array.from({ length: t.count }, (_, i) => t.text(i));
  return { tokens, rest: t.rest < 0 ? null : buf.subarray(t.rest, t.lineEnd).toString("latin1") };
}

test("tokens are separated by spaces only, repeated spaces collapse, and a tab stays inside a token", () => {
  assert.deepEqual(split("  set  a\tb 0 0 1  "), { tokens: ["set", "a\tb", "0", "0", "1"], rest: null });
  assert.deepEqual(split(""), { tokens: [], rest: null });
});

test("a line ends at its first NUL byte, as memcached's strlen sees it", () => {
  assert.deepEqual(split("get a\0b c"), { tokens: ["get", "a"], rest: null });
});

test("after 23 tokens the remainder of the line is left for the caller", () => {
  const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
  const { tokens, rest } = split(`get ${keys.join(" ")}`);
  assert.equal(tokens.length, 23);
  assert.equal(tokens[22], "k21");
  assert.equal(rest, keys.slice(22).join(" "));
});

test("exactly 23 tokens leave no remainder, and a trailing space after them leaves none either", () => {
  const words = Array.from({ length: 23 }, (_, i) => `w${i}`).join(" ");
  assert.equal(split(words).rest, null);
  assert.equal(split(`${words} `).rest, null);
  assert.equal(split(`${words} x`).rest, "x");
});
