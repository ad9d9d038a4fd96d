import assert from "node:assert/strict";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { test } from "node:test";
import { arrayBuffersAfterCollection } from "../../test/support/memory-after-collection.ts";
import { youngGenerationCollection } from "./read-buffers.ts";
import { releaseBuffer } from "./release-buffer.ts";

const MiB = 1024 * 1024;

/** A 16 MiB table that has survived two collections, as a long-lived index table has. */
function oldTable(): Uint32Array {
  const table = new Uint32Array(4 * MiB).fill(7);
  const collect = youngGenerationCollection();
  collect();
  collect();
  return table;
}

test("a released table's memory comes back at the next young-generation collection", async () => {
  const before = process.memoryUsage().arrayBuffers;
  let table: Uint32Array | undefined = oldTable();
  releaseBuffer(table.buffer as ArrayBuffer);
  assert.equal(table.length, 0, "the released buffer is detached");
  table = undefined;
  const after = await arrayBuffersAfterCollection(youngGenerationCollection(), before + 8 * MiB, 2000);
  assert.ok(after < before + 8 * MiB, `${((after - before) / MiB).toFixed(1)} MiB of buffers remain after the collection`);
});

test("without release, a dead old table outlives a young-generation collection", async () => {
  // V8 may run a full collection of its own during the wait (external memory grew by 16 MiB), and
  // that one would free the table: such an attempt proves nothing either way and is tried again.
  let majorCollections = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorCollections++;
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const majorsBefore = majorCollections;
      const before = process.memoryUsage().arrayBuffers;
      let table: Uint32Array | undefined = oldTable();
      assert.equal(table[0], 7);
      table = undefined;
      const after = await arrayBuffersAfterCollection(youngGenerationCollection(), before + 8 * MiB, 300);
      await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
      if (majorCollections > majorsBefore) continue;
      assert.ok(after >= before + 16 * MiB, "the control case: a young collection does not free an old buffer");
      return;
    }
    assert.fail("V8 ran a full collection during each of 3 attempts");
  } finally {
    observer.disconnect();
  }
});

test("releasing an empty buffer does nothing", () => {
  assert.doesNotThrow(() => releaseBuffer(new ArrayBuffer(0)));
});
