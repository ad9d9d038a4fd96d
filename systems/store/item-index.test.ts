import { test } from "node:test";
import assert from "node:assert/strict";
import { ItemIndex } from "./item-index.ts";
import { seededRandom } from "./seeded-random.ts";

/** n seeded random binary keys of 1..maxLength bytes, packed in one buffer. */
function randomKeys(n: number, seed: number, maxLength: number) {
  const random = seededRandom(seed);
  const starts = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) starts[i + 1] = starts[i] + 1 + Math.floor(random() * maxLength);
  const bytes = new Uint8Array(starts[n]);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  // Make keys distinct: the first 4 bytes of keys of 4+ bytes carry the key number.
  for (let i = 0; i < n; i++) if (starts[i + 1] - starts[i] >= 4) new DataView(bytes.buffer).setUint32(starts[i], i);
  return { bytes, starts };
}

/** YCSB-style keys: "user" followed by 18 or 19 digits. */
function ycsbKey(random: () => number): Buffer {
  const digits = random() < 0.1 ? 18 : 19;
  let text = "user" + (1 + Math.floor(random() * 9));
  while (text.length < 4 + digits) text += Math.floor(random() * 10);
  return Buffer.from(text, "latin1");
}

test("200k binary keys are found, removed and found again across many growths", () => {
  const n = 200_000;
  const { bytes, starts } = randomKeys(n, 1, 40);
  const index = new ItemIndex();
  const handles = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (index.find(bytes, starts[i], starts[i + 1]) >= 0) continue; // a rare duplicate among short keys
    handles[i] = index.insert(bytes, i * 8, i, i, 0, i + 1, starts[i], starts[i + 1]);
  }
  assert.ok(index.slots >= 200_000 / index.maxLoad, "the table grew many times");
  for (let i = 0; i < n; i++) {
    const handle = index.find(bytes, starts[i], starts[i + 1]);
    assert.ok(handle >= 0, `key ${i} is found`);
    if (handles[i] >= 0) {
      assert.equal(handle, handles[i]);
      assert.equal(index.records.valueOffset(handle), i * 8);
      assert.equal(index.records.valueLength(handle), i);
      assert.equal(index.records.flags(handle), i);
      assert.equal(index.records.cas(handle), i + 1);
    }
  }
  const random = seededRandom(2);
  const removed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (handles[i] >= 0 && random() < 0.5) {
      index.remove(handles[i]);
      removed[i] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (handles[i] < 0) continue;
    const handle = index.find(bytes, starts[i], starts[i + 1]);
    if (removed[i]) assert.equal(handle, -1, `removed key ${i} is gone`);
    else assert.equal(handle, handles[i], `kept key ${i} survives the backward shifts`);
  }
  for (let i = 0; i < n; i++) if (removed[i]) index.insert(bytes, 0, 1, 0, 0, 0, starts[i], starts[i + 1]);
  for (let i = 0; i < n; i++) if (handles[i] >= 0) assert.ok(index.find(bytes, starts[i], starts[i + 1]) >= 0);
  const expected = handles.reduce((count, h) => count + (h >= 0 ? 1 : 0), 0);
  assert.equal(index.count, expected);
  assert.equal(index.handles().length, expected);
});

test("removed records are reused, so insert/remove churn does not grow the record arena", () => {
  const index = new ItemIndex();
  const random = seededRandom(4);
  const keys = Array.from({ length: 10_000 }, () => ycsbKey(random));
  for (const key of keys) if (index.find(key) < 0) index.insert(key, 0, 0, 0, 0, 0);
  const highWater = index.records.allocator.highWaterBytes;
  for (let round = 0; round < 5; round++) {
    for (const key of keys) {
      const handle = index.find(key);
      if (handle >= 0) index.remove(handle);
    }
    assert.equal(index.count, 0);
    for (const key of keys) if (index.find(key) < 0) index.insert(key, 0, 0, 0, 0, 0);
  }
  assert.equal(index.records.allocator.highWaterBytes, highWater);
});

test("the table grows by half when it would pass its load factor, so it stays 57 % to 85 % full", () => {
  const index = new ItemIndex();
  const random = seededRandom(5);
  let slots = index.slots;
  let growths = 0;
  for (let i = 0; i < 300_000; i++) {
    const key = ycsbKey(random);
    if (index.find(key) >= 0) continue;
    const before = index.count;
    index.insert(key, i * 8, 1024, 0, 0, i);
    if (index.slots !== slots) {
      growths++;
      assert.equal(index.slots, Math.ceil(slots * 1.5), "grew by half");
      assert.ok(before / slots <= index.maxLoad && (before + 1) / slots > index.maxLoad, `grew only when passing ${index.maxLoad}, at ${before + 1} items in ${slots} slots`);
      if (index.count >= 1000) assert.ok(index.count / index.slots >= 0.56, `${index.count} items in ${index.slots} slots just after growing`);
      slots = index.slots;
    }
  }
  assert.ok(growths >= 20, `${growths} growths`);
});

test("metadata beyond the key stays at most 32 bytes per item for YCSB keys, even just after the table grew", () => {
  const index = new ItemIndex();
  const random = seededRandom(5);
  let worst = 0;
  let slots = index.slots;
  for (let i = 0; i < 300_000; i++) {
    const key = ycsbKey(random);
    if (index.find(key) < 0) index.insert(key, i * 8, 1024, 0, 0, i);
    if (index.slots !== slots && index.count >= 10_000) {
      // Just after growing: the emptiest the table gets.
      worst = Math.max(worst, index.metadataBytes() / index.count);
    }
    slots = index.slots;
  }
  const final = index.metadataBytes() / index.count;
  assert.ok(worst > 0, "a growth was observed");
  // A 17-byte record header, alignment of the 22-23-byte keys to 8, and 5 bytes a slot at 57 % full.
  assert.ok(worst <= 32, `${worst.toFixed(1)} bytes of metadata per item just after growing`);
  assert.ok(final <= 32, `${final.toFixed(1)} bytes per item at the end`);
});

test("keys of random lengths cost at most 30 bytes of metadata per item at the table's load factor", () => {
  const n = 200_000;
  const index = new ItemIndex({ expectedItems: n });
  const slots = index.slots;
  const { bytes, starts } = randomKeys(n, 6, 60);
  for (let i = 0; i < n; i++) if (index.find(bytes, starts[i], starts[i + 1]) < 0) index.insert(bytes, 0, 0, 0, 0, 0, starts[i], starts[i + 1]);
  assert.equal(index.slots, slots, "sized up front for n items: filled up to, not past, the load factor");
  assert.ok(index.count / index.slots > 0.8, `${index.count} items in ${index.slots} slots`);
  const perItem = index.metadataBytes() / index.count;
  // The header, alignment of keys of 1-60 bytes to 8 (3.5 bytes on average), 5 bytes a slot / 0.85.
  assert.ok(perItem <= 30, `${perItem.toFixed(1)} bytes of metadata per item`);
});

test("a key's record returns its bytes, and refused keys say why", () => {
  const index = new ItemIndex();
  const handle = index.insert(Buffer.from("xkeyx"), 8, 3, 0, 0, 0, 1, 4);
  assert.equal(index.records.key(handle).toString(), "key");
  assert.equal(index.find(Buffer.from("key")), handle);
  assert.throws(() => index.insert(Buffer.alloc(251), 0, 0, 0, 0, 0), /key must be 1 to 250 bytes long, found 251/);
  assert.throws(() => index.insert(Buffer.from("odd"), 12, 1, 0, 0, 0), /multiple of 8/);
  index.remove(handle);
  assert.throws(() => index.remove(handle), /not allocated|not a live item|not in a slab page in use/);
});

test("clear empties the index and it is usable again", () => {
  const index = new ItemIndex({ expectedItems: 1000 });
  for (let i = 0; i < 5000; i++) index.insert(Buffer.from(`k${i}`), 0, 0, 0, 0, 0);
  index.clear();
  assert.equal(index.count, 0);
  assert.equal(index.keyBytes, 0);
  assert.equal(index.find(Buffer.from("k1")), -1);
  assert.ok(index.insert(Buffer.from("k1"), 0, 0, 0, 0, 0) >= 0);
});
