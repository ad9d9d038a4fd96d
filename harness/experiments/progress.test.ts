import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, Progress } from "./progress.ts";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 200, write: (text: string) => writes.push(text) > 0 };
}

test("off a terminal, progress prints one plain line per phase change and none for fraction updates", () => {
  const out = stream(false);
  const progress = new Progress("fig-memory", 2, 200, out);
  progress.step("plain · 1 KB", 100);
  progress.phase("loading", 0.1);
  progress.phase("loading", 0.5);
  progress.log("plain 1 KB: 1.05");
  progress.step("pbr · 1 KB", 100);
  progress.done();
  const text = out.writes.join("");
  assert.doesNotMatch(text, /\r|\x1b/);
  assert.match(text, /^\[fig-memory 1\/2\] plain · 1 KB: starting/m);
  assert.equal((text.match(/loading/g) ?? []).length, 1);
  assert.match(text, /^plain 1 KB: 1\.05$/m);
  assert.match(text, /^\[fig-memory 2\/2\] pbr · 1 KB: starting .* ETA \d+s$/m);
  assert.match(text, /^\[fig-memory\] finished in \d+s$/m);
});

test("on a terminal, progress rewrites one status line with the fraction and clears it for lasting lines", () => {
  const out = stream(true);
  const progress = new Progress("fig-memory", 1, 100, out);
  progress.step("cocytus · 16 KB", 100);
  progress.phase("loading", 0.42);
  progress.log("a result");
  assert.match(out.writes.join(""), /\r\x1b\[K\[fig-memory 1\/1\] cocytus · 16 KB: loading 42% · elapsed \d+s · ETA \d+s/);
  assert.ok(out.writes.includes("a result\n"));
});

test("durations read as seconds, minutes and hours", () => {
  assert.equal(formatDuration(4_200), "4s");
  assert.equal(formatDuration(75_000), "1m15s");
  assert.equal(formatDuration(3_723_000), "1h02m");
});
