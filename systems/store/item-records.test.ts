import { test } from "node:test";
import assert from "node:assert/strict";
import { ItemRecords } from "./item-records.ts";

const key = (text: string) => Buffer.from(text, "latin1");
const add = (records: ItemRecords, text: string, flags: number, exptime: number) => records.add(key(text), 0, text.length, 8, 100, flags, exptime, 7);

test("a YCSB key's record takes 40 bytes without flags and exptime, 48 with them", () => {
  const records = new ItemRecords({ capacityBytes: 1024 * 1024 });
  const ycsb = "user6284781860667377211";
  const plainRef = add(records, ycsb, 0, 0);
  const extrasRef = add(records, ycsb, 3, 100);
  assert.equal(records.allocator.slotSize(17 + ycsb.length), 40);
  assert.equal(records.key(plainRef).toString("latin1"), ycsb);
  assert.equal(records.key(extrasRef).toString("latin1"), ycsb);
  assert.deepEqual([records.flags(plainRef), records.exptime(plainRef)], [0, 0]);
  assert.deepEqual([records.flags(extrasRef), records.exptime(extrasRef)], [3, 100]);
  assert.deepEqual([records.valueOffset(extrasRef), records.valueLength(extrasRef), records.cas(extrasRef)], [8, 100, 7]);
});

test("a record written without extras keeps its handle when it gets flags and an exptime later", () => {
  const records = new ItemRecords({ capacityBytes: 1024 * 1024 });
  const ref = add(records, "k1", 0, 0);
  const neighbour = add(records, "k2", 0, 0);
  records.setExptime(ref, 1234);
  records.setFlags(ref, 0xffffffff);
  records.setValue(ref, 4096, 2 ** 31 - 1);
  assert.deepEqual([records.flags(ref), records.exptime(ref), records.valueOffset(ref), records.valueLength(ref)], [0xffffffff, 1234, 4096, 2 ** 31 - 1]);
  assert.equal(records.key(ref).toString(), "k1", "the key is where it was");
  assert.deepEqual([records.flags(neighbour), records.exptime(neighbour)], [0, 0], "the neighbour is untouched");
  assert.throws(() => records.setValue(ref, 0, 2 ** 31), /shorter than 2 GiB/);
  records.setFlags(ref, 0);
  records.setExptime(ref, 0);
  assert.deepEqual([records.flags(ref), records.exptime(ref)], [0, 0]);
});

test("a freed record's slot, reused by another key, does not inherit the late extras", () => {
  const records = new ItemRecords({ capacityBytes: 1024 * 1024 });
  const ref = add(records, "k1", 0, 0);
  records.setExptime(ref, 99);
  records.remove(ref);
  const reused = add(records, "k3", 0, 0);
  assert.equal(reused, ref, "the allocator hands the same slot out again");
  assert.deepEqual([records.flags(reused), records.exptime(reused)], [0, 0]);
});
