import assert from "node:assert/strict";
import { test } from "node:test";
import { arrayBuffersAfterCollection } from "../../test/support/memory-after-collection.ts";
import { ReadBufferCollector, youngGenerationCollection } from "./read-buffers.ts";

test("the collector collects once per threshold of input bytes, not per read", () => {
  let calls = 0;
  const collector = new ReadBufferCollector(() => calls++, 1000);
  for (let i = 0; i < 35; i++) collector.received(100);
  assert.equal(calls, 3);
  assert.equal(collector.collections, 3);
  collector.received(5000);
  assert.equal(calls, 4, "one huge read is one collection");
});

test("the collector refuses a threshold that is not positive", () => {
  assert.throws(() => new ReadBufferCollector(() => undefined, 0), /collectEveryBytes must be positive, found 0/);
});

test("a young-generation collection frees the memory of dead buffers", async () => {
  const collect = youngGenerationCollection();
  const before = process.memoryUsage().arrayBuffers;
  (function allocateAndDrop() {
    for (let i = 0; i < 50; i++) Buffer.alloc(64 * 1024);
  })();
  const piledUp = process.memoryUsage().arrayBuffers;
  assert.ok(piledUp - before >= 50 * 64 * 1024, "the dead buffers are still counted before the collection");
  // V8 frees the backing stores of dead buffers on a concurrent sweeper thread, shortly after the
  // collection itself: the helper waits for it (bounded), but does not collect again.
  const after = await arrayBuffersAfterCollection(collect, before + 16 * 64 * 1024, 2000);
  assert.ok(after - before < 16 * 64 * 1024, `2 s after the collection ${after - before} bytes of buffers remain`);
});
