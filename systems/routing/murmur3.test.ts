import { test } from "node:test";
import assert from "node:assert/strict";
import { murmur3_32 } from "./murmur3.ts";
import { route, routeKey } from "./router.ts";

const bytes = (s: string) => Buffer.from(s, "utf8");

test("murmur3_32 matches the reference test vectors for seeds 0, 1 and 0x9747b28c", () => {
  // Vectors from the reference implementation (SMHasher) and widely published tables.
  assert.equal(murmur3_32(bytes(""), 0), 0);
  assert.equal(murmur3_32(bytes(""), 1), 0x514e28b7);
  assert.equal(murmur3_32(bytes(""), 0xffffffff), 0x81f16f39);
  assert.equal(murmur3_32(Buffer.from([0, 0, 0, 0]), 0), 0x2362f9de);
  assert.equal(murmur3_32(Buffer.from([0x21, 0x43, 0x65, 0x87]), 0), 0xf55b516b);
  assert.equal(murmur3_32(Buffer.from([0x21, 0x43, 0x65]), 0), 0x7e4a8634);
  assert.equal(murmur3_32(Buffer.from([0x21, 0x43]), 0), 0xa0f7b07a);
  assert.equal(murmur3_32(Buffer.from([0x21]), 0), 0x72661cf4);
  assert.equal(murmur3_32(bytes("Hello, world!"), 0x9747b28c), 0x24884cba);
  assert.equal(murmur3_32(bytes("The quick brown fox jumps over the lazy dog"), 0x9747b28c), 0x2fa826cd);
  assert.equal(murmur3_32(bytes("aaaa"), 0x9747b28c), 0x5a97808a);
});

test("murmur3_32 hashes a slice the same as a copy of its bytes", () => {
  const whole = bytes("xxuser6284781860667377211yy");
  assert.equal(murmur3_32(whole, 0, 2, whole.length - 2), murmur3_32(bytes("user6284781860667377211")));
});

test("routing follows the contract for each mode", () => {
  const key = bytes("user6284781860667377211");
  const h = murmur3_32(key);
  assert.deepEqual(route(key, { mode: "plain", groups: 15 }), { group: h % 15, member: 0 });
  assert.deepEqual(route(key, { mode: "pbr", groups: 5 }), { group: h % 5, member: 0 });
  assert.deepEqual(route(key, { mode: "cocytus", groups: 5, k: 3 }), { group: h % 5, member: Math.floor(h / 5) % 3 });
  assert.deepEqual(routeKey("user6284781860667377211", { mode: "cocytus", groups: 5, k: 3 }), route(key, { mode: "cocytus", groups: 5, k: 3 }));
});

test("routing spreads YCSB keys evenly over the cocytus data processes", () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 15_000; i++) {
    const r = routeKey(`user${i * 7919}`, { mode: "cocytus", groups: 5, k: 3 });
    counts.set(`${r.group}/${r.member}`, (counts.get(`${r.group}/${r.member}`) ?? 0) + 1);
  }
  assert.equal(counts.size, 15);
  for (const n of counts.values()) assert.ok(n > 800 && n < 1200, `expected about 1000 keys per data process, found ${n}`);
});
