import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "./store.ts";
import { seededRandom } from "./seeded-random.ts";

const MiB = 1024 * 1024;
const key = (text: string) => Buffer.from(text, "latin1");

test("a stored value reads back with its flags, exptime and a fresh cas per set", () => {
  const store = new Store({ memoryBytes: 16 * MiB });
  const first = store.set(key("alpha"), Buffer.from("one"), 42, 0);
  assert.ok(first >= 0);
  const cas1 = store.cas(first);
  const handle = store.set(key("alpha"), Buffer.from("second value"), 7, 1000);
  assert.equal(store.lookup(key("alpha"), 10), handle);
  assert.equal(store.value(handle).toString(), "second value");
  assert.equal(store.valueLength(handle), 12);
  assert.equal(store.flags(handle), 7);
  assert.equal(store.exptime(handle), 1000);
  assert.ok(store.cas(handle) > cas1);
  assert.equal(cas1, 1, "the first cas is 1");
  assert.equal(store.stats().curr_items, 1);
  assert.equal(store.stats().bytes, 12);
  assert.equal(store.stats().total_items, 2);
});

test("a store too small for one slab page is refused with the sizes involved", () => {
  assert.throws(() => new Store({ memoryBytes: 512 * 1024 }), /memoryBytes must hold at least one 1048576-byte slab page, found 524288/);
  assert.throws(() => new Store({ memoryBytes: 64 * MiB, maxValueBytes: 0 }), /maxValueBytes must be an integer in \[1, 2\^30\], found 0/);
});

test("flags use the full unsigned 32-bit range", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const handle = store.set(key("f"), Buffer.from("x"), 0xffffffff, 0);
  assert.equal(store.flags(handle), 0xffffffff);
});

test("touch changes the expiry time but not the cas", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const handle = store.set(key("t"), Buffer.from("v"), 0, 100);
  const cas = store.cas(handle);
  store.touch(handle, 500);
  assert.equal(store.exptime(handle), 500);
  assert.equal(store.cas(handle), cas);
  assert.ok(store.lookup(key("t"), 200) >= 0, "still alive after the old expiry time");
});

test("an expired item is dropped at lookup and its memory returns to the allocator", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  store.set(key("soon"), Buffer.alloc(500, 1), 0, 100);
  store.set(key("never"), Buffer.alloc(500, 2), 0, 0);
  assert.ok(store.lookup(key("soon"), 99) >= 0, "alive one second before its time");
  assert.equal(store.lookup(key("soon"), 100), -1, "gone at its expiry time");
  assert.equal(store.stats().curr_items, 1);
  assert.equal(store.stats().bytes, 500);
  assert.equal(store.allocator.liveSlots, 1);
  assert.ok(store.lookup(key("never"), 2 ** 31) >= 0, "exptime 0 never expires");
});

test("a negative exptime stores an item that is already expired", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  store.set(key("neg"), Buffer.from("v"), 0, -1);
  assert.equal(store.lookup(key("neg"), 1), -1);
});

test("remove frees the value and the key; clear removes everything", () => {
  const store = new Store({ memoryBytes: 64 * MiB });
  for (let i = 0; i < 100; i++) store.set(key(`k${i}`), Buffer.alloc(i, i), 0, 0);
  store.remove(store.lookup(key("k5"), 0));
  assert.equal(store.lookup(key("k5"), 0), -1);
  assert.equal(store.stats().curr_items, 99);
  assert.equal(store.allocator.liveSlots, 99);
  store.clear();
  const stats = store.stats();
  assert.equal(stats.curr_items, 0);
  assert.equal(stats.bytes, 0);
  assert.equal(stats.key_bytes, 0);
  assert.equal(store.lookup(key("k6"), 0), -1);
  assert.ok(store.set(key("k6"), Buffer.from("again"), 0, 0) >= 0);
  assert.equal(store.value(store.lookup(key("k6"), 0)).toString(), "again");
});

test("empty values, and values of exactly the maximum size, are stored", () => {
  const store = new Store({ memoryBytes: 8 * MiB, maxValueBytes: MiB });
  const empty = store.set(key("empty"), new Uint8Array(0), 3, 0);
  assert.equal(store.valueLength(empty), 0);
  assert.equal(store.value(empty).length, 0);
  const big = Buffer.alloc(MiB, 0xab);
  const handle = store.set(key("big"), big, 0, 0);
  assert.ok(handle >= 0);
  assert.ok(store.value(handle).equals(big));
  assert.throws(() => store.set(key("too big"), Buffer.alloc(MiB + 1), 0, 0), /value must be 0 to 1048576 bytes long, found 1048577/);
});

test("keys of 1 and 250 bytes are stored and keys of 0 or 251 bytes are refused", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const short = store.set(key("a"), Buffer.from("1"), 0, 0);
  const long = store.set(Buffer.alloc(250, "z"), Buffer.from("250"), 0, 0);
  assert.equal(store.key(short).toString(), "a");
  assert.equal(store.value(store.lookup(Buffer.alloc(250, "z"), 0)).toString(), "250");
  assert.equal(store.key(long).length, 250);
  assert.throws(() => store.set(new Uint8Array(0), Buffer.from("x"), 0, 0), /key must be 1 to 250 bytes long, found 0/);
  assert.throws(() => store.set(Buffer.alloc(251, "z"), Buffer.from("x"), 0, 0), /found 251/);
  assert.equal(store.stats().curr_items, 2, "refused keys leave nothing behind");
  assert.equal(store.allocator.liveSlots, 2, "refused keys leak no value region");
});

test("a key can be looked up inside a larger buffer by its range", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  store.set(key("middle"), Buffer.from("found"), 0, 0);
  const line = key("get middle\r\n");
  assert.equal(store.value(store.lookup(line, 0, 4, 10)).toString(), "found");
  assert.equal(store.lookup(line, 0, 4, 9), -1);
});

test("binary keys with zero bytes and high bytes are distinct keys", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const keys = [Buffer.from([0]), Buffer.from([0, 0]), Buffer.from([0xff, 0x00, 0x80]), Buffer.from([0xff, 0x00, 0x81])];
  keys.forEach((k, i) => store.set(k, Buffer.from(`v${i}`), 0, 0));
  keys.forEach((k, i) => assert.equal(store.value(store.lookup(k, 0)).toString(), `v${i}`));
});

test("a full data area makes set return -1 and leaves existing items intact", () => {
  const store = new Store({ memoryBytes: 2 * MiB, maxValueBytes: 64 * 1024 });
  const value = (i: number) => Buffer.alloc(60_000, i & 255);
  let stored = 0;
  while (store.set(key(`item${stored}`), value(stored), stored, 0) >= 0) stored++;
  assert.equal(stored, 34, "two 1 MiB slab pages hold 2 × 17 slots of 61440 bytes");
  assert.equal(store.set(key("item0"), value(99), 0, 0), -1, "an overwrite that needs a new region fails too");
  assert.equal(store.stats().curr_items, stored);
  for (let i = 0; i < stored; i++) {
    const handle = store.lookup(key(`item${i}`), 0);
    assert.ok(store.value(handle).equals(value(i)), `item${i} is intact`);
    assert.equal(store.flags(handle), i);
  }
  store.remove(store.lookup(key("item3"), 0));
  assert.ok(store.set(key("late"), value(7), 0, 0) >= 0, "freed space is usable again");
});

test("reserve, fill in place and publish is a set without a copy; release undoes a reserve", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const old = store.set(key("k"), Buffer.from("old!"), 0, 0);
  const oldOffset = store.valueOffset(old);
  const offset = store.reserve(4);
  store.dataArea.view(offset, 4).write("new!");
  assert.equal(store.value(store.lookup(key("k"), 0)).toString(), "old!", "nothing is visible before publish");
  const handle = store.publish(key("k"), offset, 4, 9, 0);
  assert.equal(store.value(handle).toString(), "new!");
  assert.ok(!store.allocator.isAllocated(oldOffset, 4), "the old region was freed");
  const line = key("set other 0 0 5\r\nhello\r\n");
  const other = store.reserve(5);
  store.dataArea.writeRange(other, line, 17, 22);
  store.publish(line, other, 5, 0, 0, undefined, 4, 9);
  assert.equal(store.value(store.lookup(key("other"), 0)).toString(), "hello", "key and value taken from ranges of one buffer");
  const spare = store.reserve(100);
  store.release(spare, 100);
  assert.equal(store.allocator.liveSlots, 2);
});

test("publishing into the item's own region (an in-place update) keeps that region allocated", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const handle = store.set(key("k"), Buffer.from("abcd"), 0, 0);
  const offset = store.valueOffset(handle);
  store.dataArea.write(offset, Buffer.from("wxyz"));
  const again = store.publish(key("k"), offset, 4, 0, 0);
  assert.equal(store.value(again).toString(), "wxyz");
  assert.ok(store.allocator.isAllocated(offset, 4));
  assert.equal(store.stats().bytes, 4);
  assert.throws(() => store.publish(key("k"), offset, 100, 0, 0), /must keep the slot size, but 100 bytes need a 104-byte slot and the region is a 8-byte slot/);
});

test("a replica publishing with given cas values keeps them and continues above the largest", () => {
  const store = new Store({ memoryBytes: 4 * MiB });
  const offset = store.reserve(1);
  const handle = store.publish(key("r"), offset, 1, 0, 0, 1000);
  assert.equal(store.cas(handle), 1000);
  assert.equal(store.cas(store.set(key("s"), Buffer.from("x"), 0, 0)), 1001);
});

test("iteration visits every live item once", () => {
  const store = new Store({ memoryBytes: 8 * MiB });
  for (let i = 0; i < 1000; i++) store.set(key(`k${i}`), Buffer.from(`v${i}`), i, 0);
  for (let i = 0; i < 1000; i += 3) store.remove(store.lookup(key(`k${i}`), 0));
  const seen = new Set<string>();
  store.forEachItem((handle) => {
    const k = store.key(handle).toString();
    assert.equal(store.value(handle).toString(), `v${k.slice(1)}`);
    seen.add(k);
  });
  assert.equal(seen.size, store.stats().curr_items);
  assert.ok(!seen.has("k0") && seen.has("k1"));
});

test("overwrites with random sizes keep the value memory near the live bytes", () => {
  const store = new Store({ memoryBytes: 512 * MiB });
  const random = seededRandom(7);
  const keys = 5000;
  for (let round = 0; round < 40_000; round++) {
    const length = 10 + Math.floor(random() * 4000);
    assert.ok(store.set(key(`key${Math.floor(random() * keys)}`), Buffer.alloc(length, 1), 0, 0) >= 0);
  }
  const stats = store.stats();
  const classesUsed = store.allocator.classes.classOf(4010) + 1;
  assert.ok(
    stats.data_area_bytes <= 1.1 * stats.bytes + classesUsed * store.allocator.slabBytes,
    `touched ${stats.data_area_bytes} for ${stats.bytes} live bytes`,
  );
});

test("the store keeps at most 48 bytes of metadata per item beyond key bytes", () => {
  const store = new Store({ memoryBytes: 256 * MiB });
  const random = seededRandom(3);
  const value = Buffer.alloc(16);
  for (let i = 0; i < 100_000; i++) {
    // YCSB-like keys: "user" + up to 19 digits.
    const k = key(`user${Math.floor(random() * 1e15)}${Math.floor(random() * 1e4)}`);
    store.set(k, value, 0, 0);
  }
  const stats = store.stats();
  const perItem = stats.metadata_bytes / stats.curr_items;
  assert.ok(perItem <= 48, `metadata per item is ${perItem.toFixed(1)} bytes`);
});

test("a metadata replica without a key table, told which record each set and delete concerns, ends with the same records and allocation and can build the index", () => {
  const primary = new Store({ memoryBytes: 256 * MiB });
  const replica = new Store({ memoryBytes: 256 * MiB, keyTable: false });
  const random = seededRandom(17);
  for (let i = 0; i < 20_000; i++) {
    const k = key(`key${Math.floor(random() * 3000)}`);
    if (random() < 0.2) {
      const handle = primary.lookup(k, 0);
      if (handle >= 0) {
        primary.remove(handle);
        replica.remove(handle);
      }
      continue;
    }
    const current = primary.lookup(k, 0);
    const length = Math.floor(random() * 3000);
    let handle: number;
    if (current >= 0 && random() < 0.3 && primary.allocator.slotSize(primary.valueLength(current)) === primary.allocator.slotSize(length)) {
      // A cocytus-style in-place update of the same slot.
      handle = primary.publish(k, primary.valueOffset(current), length, i, 0);
    } else {
      handle = primary.set(k, Buffer.alloc(length, i & 255), i, 0);
    }
    assert.equal(replica.replicatePut(current, k, primary.valueOffset(handle), length, primary.flags(handle), primary.exptime(handle), primary.cas(handle)), handle, "the replica's record has the primary's ref");
  }
  assert.equal(replica.stats().curr_items, primary.stats().curr_items);
  assert.equal(replica.stats().bytes, primary.stats().bytes);
  assert.throws(() => replica.lookup(key("key1"), 0), /keeps no table/);
  replica.buildIndex();
  primary.forEachItem((handle) => {
    const other = replica.lookup(primary.key(handle), 0);
    assert.ok(other >= 0);
    assert.equal(replica.valueOffset(other), primary.valueOffset(handle));
    assert.equal(replica.valueLength(other), primary.valueLength(handle));
    assert.equal(replica.flags(other), primary.flags(handle));
    assert.equal(replica.cas(other), primary.cas(handle));
  });
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(random() * 3000);
    assert.equal(replica.reserve(length), primary.reserve(length), "the next allocations agree");
  }
  assert.equal(replica.stats().data_area_bytes, 0, "the replica never touched a value byte");
});

test("with removeExpiredOnLookup off, an expired item is reported missing but left for the caller to remove", () => {
  const store = new Store({ memoryBytes: 4 * MiB, removeExpiredOnLookup: false });
  const handle = store.set(key("e"), Buffer.from("v"), 0, 10);
  assert.equal(store.lookup(key("e"), 10), -1);
  assert.equal(store.stats().curr_items, 1);
  store.remove(handle);
  assert.equal(store.stats().curr_items, 0);
});
