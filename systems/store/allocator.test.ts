import { test } from "node:test";
import assert from "node:assert/strict";
import { Allocator } from "./allocator.ts";
import { seededRandom } from "./seeded-random.ts";

const MiB = 1024 * 1024;

/** A random sequence of allocs and frees; returns the log of operations and the live regions. */
function randomWorkload(allocator: Allocator, seed: number, steps: number, maxLength: number) {
  const random = seededRandom(seed);
  const live: Array<[offset: number, length: number]> = [];
  const log: Array<{ op: "alloc" | "free"; offset: number; length: number }> = [];
  for (let i = 0; i < steps; i++) {
    if (live.length > 0 && random() < 0.45) {
      const at = Math.floor(random() * live.length);
      const [offset, length] = live[at];
      live[at] = live[live.length - 1];
      live.pop();
      allocator.free(offset, length);
      log.push({ op: "free", offset, length });
    } else {
      const length = 1 + Math.floor(random() * maxLength);
      const offset = allocator.alloc(length);
      assert.ok(offset >= 0, "the workload fits");
      live.push([offset, length]);
      log.push({ op: "alloc", offset, length });
    }
  }
  return { log, live };
}

test("values of 1024, 4096 and 16384 bytes fill whole slab pages with no waste", () => {
  const allocator = new Allocator({ capacityBytes: 64 * MiB });
  for (const length of [1024, 4096, 16384]) {
    assert.equal(allocator.slotSize(length), length);
    const perPage = MiB / length;
    const first = allocator.alloc(length);
    for (let i = 1; i < perPage; i++) assert.equal(allocator.alloc(length), first + i * length, "slots are packed");
    assert.equal(allocator.alloc(length) % MiB, 0, "the next one opens a new page");
  }
});

test("the allocator wastes at most 7 bytes per value of 10 to 1024 bytes and under 3 % above", () => {
  const allocator = new Allocator({ capacityBytes: 64 * MiB });
  let requested = 0;
  let slots = 0;
  for (let length = 10; length <= 1024; length++) {
    assert.ok(allocator.slotSize(length) - length <= 7, `${length} wastes ${allocator.slotSize(length) - length}`);
    requested += length;
    slots += allocator.slotSize(length);
  }
  assert.ok((slots - requested) / requested < 0.01, "under 1 % over the sweep 10..1024");
  for (let length = 1025; length <= MiB; length += 13) assert.ok(allocator.slotSize(length) / length < 1.03);
});

test("a freed slot is handed out again before the area grows", () => {
  const allocator = new Allocator({ capacityBytes: 16 * MiB });
  const a = allocator.alloc(100);
  const b = allocator.alloc(100);
  allocator.free(a, 100);
  assert.equal(allocator.alloc(100), a, "the lowest free slot comes first");
  allocator.free(b, 100);
  assert.equal(allocator.alloc(104), b, "any length of the same class reuses it");
  assert.equal(allocator.highWaterBytes, MiB);
});

test("a slab page whose items are all freed is reused by another size class", () => {
  const allocator = new Allocator({ capacityBytes: 4 * MiB });
  const offsets = [];
  for (let offset = allocator.alloc(1000); offset >= 0; offset = allocator.alloc(1000)) offsets.push(offset);
  assert.equal(offsets.length, 4 * Math.floor(MiB / 1000), "four pages of 1000-byte slots fill the area");
  for (const offset of offsets) allocator.free(offset, 1000);
  assert.equal(allocator.pagesInUse, 0);
  for (let i = 0; i < 4 * 256; i++) assert.ok(allocator.alloc(4000) >= 0, "4000-byte slots fit in the freed pages");
  assert.equal(allocator.highWaterBytes, 4 * MiB);
});

test("100k overwrites with random sizes keep the touched range near the live bytes", () => {
  const slabBytes = 64 * 1024;
  const allocator = new Allocator({ capacityBytes: 1024 * MiB, slabBytes });
  const random = seededRandom(11);
  const keys = 40_000;
  const offsetOf = new Float64Array(keys).fill(-1);
  const lengthOf = new Int32Array(keys);
  let liveBytes = 0;
  let maxLength = 0;
  let highWaterHalfway = 0;
  for (let i = 0; i < keys + 100_000; i++) {
    if (i === keys + 50_000) highWaterHalfway = allocator.highWaterBytes;
    const key = i < keys ? i : Math.floor(random() * keys); // every key once, then 100k overwrites
    const length = 10 + Math.floor(random() * 4087);
    maxLength = Math.max(maxLength, length);
    const offset = allocator.alloc(length);
    if (offsetOf[key] >= 0) {
      allocator.free(offsetOf[key], lengthOf[key]);
      liveBytes -= lengthOf[key];
    }
    offsetOf[key] = offset;
    lengthOf[key] = length;
    liveBytes += length;
  }
  const classes = allocator.classes.classOf(maxLength) + 1;
  const bound = 1.1 * liveBytes + classes * slabBytes;
  assert.ok(allocator.highWaterBytes <= bound, `touched ${allocator.highWaterBytes} > bound ${bound} for ${liveBytes} live bytes`);
  assert.ok(allocator.liveSlotBytes <= 1.02 * liveBytes, "slots waste under 2 % of the live bytes");
  assert.ok(allocator.highWaterBytes <= 1.02 * highWaterHalfway, "the second 50k overwrites barely grow the range");
});

test("the same sequence of allocs and frees gives the same offsets", () => {
  const a = randomWorkload(new Allocator({ capacityBytes: 4096 * MiB }), 5, 20_000, 5000).log;
  const b = randomWorkload(new Allocator({ capacityBytes: 4096 * MiB }), 5, 20_000, 5000).log;
  assert.deepEqual(a, b);
});

for (const classHomes of [false, true]) {
  test(`replaying allocations as claims on a second allocator reproduces its state${classHomes ? " (with class homes)" : ""}`, () => {
    const original = new Allocator({ capacityBytes: 4096 * MiB, classHomes });
    const { log, live } = randomWorkload(original, 9, 30_000, 20_000);
    const replica = new Allocator({ capacityBytes: 4096 * MiB, classHomes });
    for (const { op, offset, length } of log) {
      if (op === "alloc") replica.claim(offset, length);
      else replica.free(offset, length);
    }
    assert.equal(replica.liveSlots, original.liveSlots);
    assert.equal(replica.liveSlotBytes, original.liveSlotBytes);
    assert.equal(replica.highWaterBytes, original.highWaterBytes);
    for (const [offset, length] of live) assert.ok(replica.isAllocated(offset, length));
    const random = seededRandom(99);
    for (let i = 0; i < 5000; i++) {
      const length = 1 + Math.floor(random() * 20_000);
      assert.equal(replica.alloc(length), original.alloc(length), "later allocations agree");
    }
  });

  test(`claims in any order rebuild an allocator that never hands out a claimed region${classHomes ? " (with class homes)" : ""}`, () => {
    const original = new Allocator({ capacityBytes: 4096 * MiB, classHomes });
    const { live } = randomWorkload(original, 21, 10_000, 3000);
    const shuffled = [...live].reverse();
    const rebuilt = new Allocator({ capacityBytes: 4096 * MiB, classHomes });
    for (const [offset, length] of shuffled) rebuilt.claim(offset, length);
    assert.equal(rebuilt.liveSlots, live.length);
    const taken = new Set(live.map(([offset]) => offset));
    for (let i = 0; i < 5000; i++) {
      const offset = rebuilt.alloc(1 + (i % 3000));
      assert.ok(!taken.has(offset), `offset ${offset} was already live`);
      taken.add(offset);
    }
  });
}

test("a full range returns -1, and bad frees and claims are refused with a clear error", () => {
  const allocator = new Allocator({ capacityBytes: 2 * MiB });
  const a = allocator.alloc(MiB);
  const b = allocator.alloc(MiB);
  assert.equal(allocator.alloc(8), -1);
  allocator.free(b, MiB);
  assert.throws(() => allocator.free(b, MiB), /offset 1048576 is not in a slab page in use/);
  assert.throws(() => allocator.free(a + 8, MiB), /slot boundary/);
  assert.throws(() => allocator.free(a, 100), /needs a 104-byte slot, but its slab page holds 1048576-byte slots/);
  assert.throws(() => allocator.claim(a, MiB), /already allocated/);
  assert.throws(() => allocator.alloc(MiB + 1), /length must be an integer in \[0, 1048576\], found 1048577/);
  assert.throws(() => allocator.claim(2 * MiB, 8), /offset must be an integer in \[0, 2097152\)/);
});

test("reset forgets every allocation", () => {
  const allocator = new Allocator({ capacityBytes: 8 * MiB });
  for (let i = 0; i < 1000; i++) allocator.alloc(i);
  allocator.reset();
  assert.equal(allocator.liveSlots, 0);
  assert.equal(allocator.highWaterBytes, 0);
  assert.equal(allocator.alloc(16), 0);
});

test("with class homes, a class's first page is its home and its next pages come from above the homes", () => {
  const allocator = new Allocator({ capacityBytes: 2048 * MiB, classHomes: true });
  assert.equal(allocator.homePages, allocator.classes.count, "every class has a home when they fit in half the range");
  const c = allocator.classes.classOf(1000);
  const first = allocator.alloc(1000);
  assert.equal(first, c * MiB);
  const perPage = Math.floor(MiB / allocator.slotSize(1000));
  for (let i = 1; i < perPage; i++) allocator.alloc(1000);
  assert.equal(allocator.alloc(1000), allocator.homePages * MiB, "the second page is the lowest one above the homes");
  assert.equal(allocator.alloc(10), allocator.classes.classOf(10) * MiB, "another class still finds its home free");
});

test("with class homes, a full range above the homes takes the free homes of other classes, so no capacity is lost", () => {
  const allocator = new Allocator({ capacityBytes: 8 * MiB, classHomes: true });
  assert.equal(allocator.homePages, 4, "homes take at most half the range");
  let count = 0;
  while (allocator.alloc(1000) >= 0) count++;
  assert.equal(count, 8 * Math.floor(MiB / 1000), "all eight pages hold 1000-byte slots");
  assert.equal(allocator.alloc(8), -1);
});

/**
 * Three allocators, one per data process of a group, each given its own third of one stream of
 * Zipf-like lengths, as a group's data processes are: the 4 KiB pages any of them touched, which
 * is what a parity process's area covers, over the pages one of them touched on average.
 */
function parityOverData(classHomes: boolean): number {
  const random = seededRandom(3);
  const group = [0, 1, 2].map(() => new Allocator({ capacityBytes: 1024 * MiB, classHomes }));
  const touched = group.map(() => new Set<number>());
  for (let i = 0; i < 60_000; i++) {
    const length = Math.max(10, Math.floor(1024 * random() ** 4)); // many short values, few long ones
    const member = Math.floor(random() * 3);
    const offset = group[member].alloc(length);
    for (let page = Math.floor(offset / 4096); page <= Math.floor((offset + length - 1) / 4096); page++) touched[member].add(page);
  }
  const union = new Set(touched.flatMap((pages) => [...pages]));
  const average = touched.reduce((sum, pages) => sum + pages.size, 0) / 3;
  return union.size / average;
}

test("with class homes, a class sits at the same offsets on every data process of a group, so parity covers little more than one data area", () => {
  const withHomes = parityOverData(true);
  const without = parityOverData(false);
  assert.ok(withHomes < 1.12, `the union of touched pages is ${withHomes.toFixed(3)} × one process's`);
  assert.ok(without > withHomes + 0.05, `without homes (the control) it is ${without.toFixed(3)} ×, with ${withHomes.toFixed(3)} ×`);
});
