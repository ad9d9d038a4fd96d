import assert from "node:assert/strict";
import { test } from "node:test";
import { Cleanup, sleepUnlessAborted, throwIfAborted } from "./cleanup.ts";

test("cleanup undoes every registered step newest first and reports failed ones without stopping", async () => {
  const cleanup = new Cleanup();
  const order: string[] = [];
  cleanup.add("first", async () => void order.push("first"));
  cleanup.add("broken", async () => {
    order.push("broken");
    throw new Error("boom");
  });
  cleanup.add("third", async () => void order.push("third"));
  const errors = await cleanup.run();
  assert.deepEqual(order, ["third", "broken", "first"]);
  assert.deepEqual(errors, ["teardown of broken failed: boom"]);
  assert.deepEqual(await cleanup.run(), [], "a second run has nothing left to undo");
});

test("a step undone early is not undone again at the end", async () => {
  const cleanup = new Cleanup();
  let runs = 0;
  const undo = cleanup.add("deployment", async () => void runs++);
  await undo();
  await undo();
  await cleanup.run();
  assert.equal(runs, 1);
});

test("throwIfAborted throws the abort reason", () => {
  const controller = new AbortController();
  throwIfAborted(controller.signal);
  controller.abort(new Error("interrupted by SIGINT"));
  assert.throws(() => throwIfAborted(controller.signal), /interrupted by SIGINT/);
});

test("a second run() waits for the step the first one is running (Ctrl-C's handler must not exit mid-step)", async () => {
  const cleanup = new Cleanup();
  let finishStep!: () => void;
  let stepDone = false;
  cleanup.add("slow step", () => new Promise<void>((resolve) => (finishStep = () => ((stepDone = true), resolve()))));
  const first = cleanup.run();
  let secondReturned = false;
  const second = cleanup.run().then(() => (secondReturned = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(secondReturned, false, "the second run() returned while the step was still running");
  finishStep();
  await Promise.all([first, second]);
  assert.equal(stepDone, true);
  assert.equal(secondReturned, true);
});

test("a settle wait ends as soon as the run is interrupted, not when its time is up", async () => {
  const controller = new AbortController();
  const waited = sleepUnlessAborted(600_000, controller.signal);
  setTimeout(() => controller.abort(new Error("interrupted")), 10);
  let guard: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([waited.then(() => "ended"), new Promise((resolve) => (guard = setTimeout(resolve, 5000, "still waiting")))]);
  clearTimeout(guard);
  assert.equal(outcome, "ended");
});
