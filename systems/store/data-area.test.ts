import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DataArea, PAGE_BYTES } from "./data-area.ts";

const MiB = 1024 * 1024;

function rssBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (match === null) throw new Error("expected a VmRSS line in /proc/self/status");
  return Number(match[1]) * 1024;
}

test("bytes written at an offset read back through a view, in any chunk", () => {
  const area = new DataArea({ capacityBytes: 4 * MiB, chunkBytes: MiB });
  area.write(10, Buffer.from("hello"));
  area.write(3 * MiB + 100, Buffer.from("world"));
  assert.equal(area.view(10, 5).toString(), "hello");
  assert.equal(area.view(3 * MiB + 100, 5).toString(), "world");
  area.view(3 * MiB + 100, 1)[0] = 0x57;
  assert.equal(area.view(3 * MiB + 100, 5).toString(), "World", "a view writes through");
});

test("a range of a larger array is copied in without its neighbours", () => {
  const area = new DataArea({ capacityBytes: MiB, chunkBytes: MiB });
  area.writeRange(64, new Uint8Array([9, 1, 2, 3, 9]), 1, 4);
  assert.deepEqual([...area.view(63, 5)], [0, 1, 2, 3, 0]);
  assert.throws(() => area.writeRange(0, new Uint8Array(4), 2, 5), /expected 0 ≤ start ≤ end ≤ 4, found start 2, end 5/);
});

test("chunks are created only when a region in them is used", () => {
  const area = new DataArea({ capacityBytes: 64 * MiB, chunkBytes: 16 * MiB });
  assert.equal(area.reservedBytes, 0);
  area.write(40 * MiB, Buffer.from("x"));
  assert.equal(area.reservedBytes, 16 * MiB);
});

test("a region that straddles a chunk boundary or passes the end is refused", () => {
  const area = new DataArea({ capacityBytes: 2 * MiB, chunkBytes: MiB });
  assert.throws(() => area.view(MiB - 2, 4), /region \[1048574, 1048578\) straddles a chunk boundary/);
  assert.throws(() => area.view(2 * MiB - 2, 4), /ends beyond the area's 2097152 bytes/);
  assert.throws(() => area.view(-8, 4), /non-negative integer offset/);
  assert.throws(() => new DataArea({ capacityBytes: MiB, chunkBytes: 1000 }), /chunkBytes must be a positive multiple of 4096, found 1000/);
});

test("touched bytes count the 4 KiB pages ever written or viewed", () => {
  const area = new DataArea({ capacityBytes: 4 * MiB, chunkBytes: MiB });
  area.write(100, Buffer.alloc(50));
  area.write(20, Buffer.alloc(10));
  area.view(2 * MiB + 4000, 200); // spans two pages
  area.view(3 * MiB, 0); // an empty view touches nothing
  assert.equal(area.touchedBytes, 3 * 4096);
  assert.ok(area.isTouched(0) && !area.isTouched(1));
  assert.deepEqual(area.touchedPageRanges(), [
    [0, 1],
    [512, 514],
  ]);
});

test("a 4 KiB page view is the same memory as the offsets it covers", () => {
  const area = new DataArea({ capacityBytes: 2 * MiB, chunkBytes: MiB });
  area.write(3 * PAGE_BYTES + 7, Buffer.from([1, 2, 3]));
  const page = area.pageView(3);
  assert.equal(page.length, PAGE_BYTES);
  assert.deepEqual([...page.subarray(7, 10)], [1, 2, 3]);
  assert.throws(() => area.pageView(512), /page number must be in \[0, 512\), found 512/);
});

test("xor applies a delta in place, aligned or not", () => {
  const area = new DataArea({ capacityBytes: MiB, chunkBytes: MiB });
  const before = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const delta = Buffer.from([0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff]);
  for (const offset of [0, 1001]) {
    area.write(offset, before);
    area.xor(offset, delta);
    assert.deepEqual([...area.view(offset, 9)], [...before].map((b, i) => b ^ delta[i]));
  }
});

test("a reserved area costs resident memory only for the pages that are written", () => {
  const rssBefore = rssBytes();
  const area = new DataArea({ capacityBytes: 2048 * MiB, chunkBytes: 256 * MiB });
  for (let chunk = 0; chunk < 8; chunk++) area.write(chunk * 256 * MiB, Buffer.from("x"));
  assert.equal(area.reservedBytes, 2048 * MiB);
  const growth = rssBytes() - rssBefore;
  assert.ok(growth < 64 * MiB, `2 GiB reserved with 8 pages written grew RSS by ${growth} bytes`);
});
