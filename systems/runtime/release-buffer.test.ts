import assert from "node:assert/strict";
import { test } from "node:test";
import { arrayBuffersAfterCollection } from "../../test/support/array-buffers.ts";
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
  const before = process.memoryUsage().arrayBuffers;
  let table: Uint32Array | undefined = oldTable();
  assert.equal(table[0], 7);
  table = undefined;
  const after = await arrayBuffersAfterCollection(youngGenerationCollection(), before + 8 * MiB, 300);
  assert.ok(after >= before + 16 * MiB, "the control case: a young collection does not free an old buffer");
});

test("releasing an empty buffer does nothing", () => {
  assert.doesNotThrow(() => releaseBuffer(new ArrayBuffer(0)));
});
