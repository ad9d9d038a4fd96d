import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { getHeapSpaceStatistics } from "node:v8";
import { memoryAfterCollection } from "../../test/support/memory-after-collection.ts";
import { exposedGc } from "./exposed-gc.ts";
import { SERVER_NODE_FLAGS } from "../server/node-flags.ts";
import { IdleCollector, memoryReducingCollection } from "./idle-collection.ts";

const TICK_MS = 20;

function collector(minInputBytes = 1000): IdleCollector {
  return new IdleCollector({ collect: () => undefined, tickMs: TICK_MS, quietBytes: 100, quietTicks: 2, minInputBytes });
}

test("a burst of input followed by quiet is collected once", async () => {
  const idle = collector();
  idle.input(5000);
  await sleep(6 * TICK_MS);
  assert.equal(idle.collections, 1);
  await sleep(4 * TICK_MS);
  assert.equal(idle.collections, 1, "quiet without new input collects nothing more");
  idle.stop();
});

test("input that keeps flowing is not collected until it stops", async () => {
  const idle = collector();
  const until = Date.now() + 10 * TICK_MS;
  while (Date.now() < until) {
    idle.input(200);
    await sleep(2);
  }
  assert.equal(idle.collections, 0, "no collection while 200 bytes arrive every few milliseconds");
  await sleep(6 * TICK_MS);
  assert.equal(idle.collections, 1);
  idle.stop();
});

test("a single quiet tick in the middle of the input does not count as stopped", async () => {
  const idle = collector();
  idle.input(5000);
  for (let i = 0; i < 6; i++) {
    await sleep(TICK_MS * 1.5);
    idle.input(500);
  }
  assert.equal(idle.collections, 0);
  idle.stop();
});

test("less input than the minimum since the last collection is left to V8", async () => {
  const idle = collector(10_000);
  idle.input(9000);
  await sleep(6 * TICK_MS);
  assert.equal(idle.collections, 0);
  idle.input(2000);
  await sleep(6 * TICK_MS);
  assert.equal(idle.collections, 1);
  idle.stop();
});

test("a collection is pending from enough input until it has finished, and counts only then", async () => {
  let finish = () => {};
  const idle = new IdleCollector({ collect: () => new Promise<void>((resolve) => (finish = resolve)), tickMs: TICK_MS, quietBytes: 100, quietTicks: 2, minInputBytes: 1000 });
  idle.input(500);
  assert.equal(idle.pending, false, "less input than the minimum brings no collection");
  idle.input(5000);
  assert.equal(idle.pending, true);
  await sleep(6 * TICK_MS);
  assert.equal(idle.collections, 0, "the collection has started but not finished");
  assert.equal(idle.pending, true);
  finish();
  await sleep(0);
  assert.equal(idle.collections, 1);
  assert.equal(idle.pending, false);
  idle.stop();
});

test("a memory-reducing collection's promise settles after the collection has run", async () => {
  const { promoted, remaining } = await promotedGarbageAfter(() => undefined, 0);
  assert.ok(remaining > promoted / 2, "the garbage is still there before the collection");
  const before = process.memoryUsage().heapUsed;
  await memoryReducingCollection()();
  const after = process.memoryUsage().heapUsed;
  assert.ok(before - after > promoted / 2, `the heap shrank by ${before - after} bytes for ${promoted} of garbage`);
});

test("the idle collector refuses settings that are not positive", () => {
  assert.throws(() => new IdleCollector({ collect: () => undefined, quietTicks: 0 }), /quietTicks must be positive, found 0/);
});

/**
 * Heap bytes that objects promoted to the old generation took, and that remained after `collect`
 * (waiting up to `waitMs` for them to go).
 */
async function promotedGarbageAfter(collect: () => void, waitMs: number): Promise<{ promoted: number; remaining: number }> {
  const gc = exposedGc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const holder: { items?: object[] } = {};
  fill(holder);
  // Two young-generation collections while they are live move them to the old generation, where
  // only a full collection frees them.
  gc({ type: "minor" });
  gc({ type: "minor" });
  const promoted = process.memoryUsage().heapUsed - before;
  holder.items = undefined;
  const after = await memoryAfterCollection(() => process.memoryUsage().heapUsed, collect, before + promoted / 10, waitMs);
  return { promoted, remaining: after - before };
}

// Out of line, so that no frame of the test keeps a reference to the array.
function fill(holder: { items?: object[] }): void {
  holder.items = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `item ${i}` }));
}

test("a memory-reducing collection frees garbage the old generation holds", async () => {
  const { promoted, remaining } = await promotedGarbageAfter(memoryReducingCollection(), 2000);
  assert.ok(promoted > 8 * 2 ** 20, `the objects take ${promoted} bytes of heap`);
  assert.ok(remaining < promoted / 10, `${remaining} of ${promoted} bytes of heap remain 2 s after the collection`);
});

test("without it, the same garbage stays (the control)", async () => {
  const { promoted, remaining } = await promotedGarbageAfter(() => undefined, 300);
  assert.ok(remaining > promoted / 2, `only ${remaining} of ${promoted} bytes of heap remain`);
});

/** Bytes the old generation has committed beyond what its objects use. */
function oldGenerationSlack(): number {
  const old = getHeapSpaceStatistics().find((space) => space.space_name === "old_space")!;
  return old.space_size - old.space_used_size;
}

/**
 * Fills the old generation with objects of which every 10th survives, as a load's survivors are
 * spread over the pages its garbage filled; returns the slack it left after `collect`. The
 * survivors take more than the 4 MB a regular full collection moves at most.
 */
async function slackAfterSparseSurvivors(collect: () => void): Promise<{ promoted: number; slackBefore: number; slackAfter: number }> {
  const gc = exposedGc();
  gc();
  const slackBefore = oldGenerationSlack();
  const before = process.memoryUsage().heapUsed;
  const holder: { items?: object[]; survivors?: object[] } = {};
  fillSparse(holder);
  gc({ type: "minor" });
  gc({ type: "minor" });
  const promoted = process.memoryUsage().heapUsed - before;
  holder.items = undefined;
  // Once the garbage is gone (the collection ran), what is left is the slack.
  await memoryAfterCollection(() => process.memoryUsage().heapUsed, collect, before + promoted / 5, 2000);
  const slackAfter = oldGenerationSlack();
  assert.ok((holder.survivors?.length ?? 0) > 0);
  return { promoted, slackBefore, slackAfter };
}

function fillSparse(holder: { items?: object[]; survivors?: object[] }): void {
  holder.items = Array.from({ length: 1_000_000 }, (_, i) => ({ i, text: `item ${i}` }));
  holder.survivors = holder.items.filter((_, i) => i % 10 === 0);
}

test("a regular full collection leaves the pages a few survivors keep committed (the control)", async () => {
  const gc = exposedGc();
  const { promoted, slackBefore, slackAfter } = await slackAfterSparseSurvivors(() => gc({ type: "major", execution: "async" }));
  assert.ok(slackAfter - slackBefore > promoted / 3, `the old generation's slack grew by ${slackAfter - slackBefore} bytes for ${promoted} promoted`);
});

test("a memory-reducing collection compacts them: the old generation's slack stays where it was", async () => {
  const { promoted, slackBefore, slackAfter } = await slackAfterSparseSurvivors(memoryReducingCollection());
  assert.ok(slackAfter - slackBefore < promoted / 10, `the old generation's slack grew by ${slackAfter - slackBefore} bytes for ${promoted} promoted`);
});

test("after a memory-reducing collection the young generation has its size under load, also when V8 gave part of it back", () => {
  // In a process of its own, with the servers' node flags: the size under load is theirs.
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { setTimeout as sleep } from "node:timers/promises";
    import { exposedGc } from ${JSON.stringify(import.meta.resolve("./exposed-gc.ts"))};
    import { memoryReducingCollection } from ${JSON.stringify(import.meta.resolve("./idle-collection.ts"))};
    const young = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space").space_size;
    let batch = [];
    for (let i = 0; i < 300000; i++) { batch.push({ i }); if (batch.length === 1000) batch = []; }
    const underLoad = young();
    // 5 s with little allocation: V8's next full collection gives the spare semi-space back.
    await sleep(5600);
    exposedGc()({ type: "major", execution: "sync", flavor: "last-resort" });
    const givenBack = young();
    await memoryReducingCollection()();
    console.log(JSON.stringify({ underLoad, givenBack, after: young() }));
  `;
  const child = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, "--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const { underLoad, givenBack, after } = JSON.parse(child.stdout) as Record<string, number>;
  assert.ok(givenBack < underLoad, `the control: V8 kept ${givenBack} of ${underLoad} bytes`);
  assert.equal(after, underLoad);
});
