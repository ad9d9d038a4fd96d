import assert from "node:assert/strict";
import { test } from "node:test";
import { medians, rssBreakdown, summarizeMemory, type ProcessMemory } from "./measurement.ts";
import { fixedMeasurement } from "./test-fixtures.ts";

const MB = 2 ** 20;

function process(id: string, role: string, before: number, after: number, statsAfter: Record<string, string> = {}): ProcessMemory {
  return { id, role, node: 0, host: "127.0.0.1", port: 1, pid: 1, rssBefore: before * MB, rssAfter: after * MB, statsBefore: {}, statsAfter };
}

test("memory per value byte is the sum of every process's RSS growth over the value bytes the client loaded", () => {
  const m = summarizeMemory("pbr", "1k", 0, { records: 100, valueBytes: 10 * MB, seconds: 1, failed: 0 }, [
    process("p", "primary", 40, 52),
    process("b1", "backup", 40, 51),
    process("b2", "backup", 41, 52),
  ]);
  assert.equal(m.rssBeforeBytes, 121 * MB);
  assert.equal(m.rssGrowthBytes, 34 * MB);
  assert.equal(m.bytesPerValueByte, 3.4);
  assert.deepEqual(m.byRole.backup, { processes: 2, rssGrowthBytes: 22 * MB, bytesPerValueByte: 2.2 });
  assert.equal(m.stats, undefined, "no accounting fields: native memcached");
});

test("Cocytus stats split into data (data area + parity) and metadata (metadata + replicas + keys)", () => {
  const stats = (data: number, parity: number, meta: number, replica: number, keys: number) => ({
    data_area_bytes: String(data * MB),
    parity_bytes: String(parity * MB),
    metadata_bytes: String(meta * MB),
    metadata_replica_bytes: String(replica * MB),
    key_bytes: String(keys * MB),
  });
  const m = summarizeMemory("cocytus", "4k", 0, { records: 10, valueBytes: 10 * MB, seconds: 1, failed: 0 }, [
    process("d0", "data", 40, 55, stats(10, 0, 1, 0, 0.5)),
    process("p0", "parity", 40, 55, stats(0, 10, 0, 1, 0.5)),
  ]);
  assert.equal(m.dataPerValueByte, 2);
  assert.equal(m.metadataPerValueByte, 0.3);
  assert.equal(m.statsBytesPerValueByte, 2.3);
});

test("the RSS breakdown splits each role's growth into the store's account, V8's heap (by the spaces that moved) and the rest, and counts finished idle collections", () => {
  const after = (store: number, heap: number, collections: number, spaces: Record<string, string> = {}) => ({
    data_area_bytes: String(store * MB),
    heap_total: String(heap * MB),
    ...spaces,
    gc_idle_collections: String(collections),
  });
  const m = summarizeMemory("cocytus", "zipf", 0, { records: 10, valueBytes: 10 * MB, seconds: 1, failed: 0 }, [
    process("d0", "data", 40, 55, after(10, 3, 1, { heap_old: String(2 * MB), heap_code: String(MB), heap_new: "0" })),
    process("d1", "data", 40, 56, after(10, 4, 0, { heap_old: String(4 * MB), heap_code: "0", heap_new: "0" })),
    process("p0", "parity", 40, 55, after(12, 5, 1)),
  ]);
  assert.equal(
    rssBreakdown(m),
    "cocytus zipf (10.0 MB of values): 2 data: RSS +31.0 MB = store +20.0 MB, V8 heap +7.0 MB (old +6.0 MB, code +1.0 MB), rest +4.0 MB; 1 of 2 finished an idle collection; " +
      "1 parity: RSS +15.0 MB = store +12.0 MB, V8 heap +5.0 MB, rest -2.0 MB; 1 of 1 finished an idle collection",
  );
});

test("a load that reports no value bytes is refused", () => {
  assert.throws(() => summarizeMemory("plain", "1k", 0, { records: 0, valueBytes: 0, seconds: 1, failed: 0 }, []), /expected a positive count/);
});

test("with repeats, the median measurement of each system and size is kept", () => {
  const chosen = medians([fixedMeasurement("plain", "1k", 1.2), fixedMeasurement("plain", "1k", 1.0), fixedMeasurement("plain", "1k", 1.1), fixedMeasurement("pbr", "1k", 3)]);
  assert.deepEqual(
    chosen.map((m) => [m.system, Number(m.bytesPerValueByte.toFixed(3))]),
    [
      ["plain", 1.1],
      ["pbr", 3],
    ],
  );
});
