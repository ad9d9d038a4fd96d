import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { progressPrinter } from "./progress.ts";

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      done();
    },
  }) as Writable & { isTTY: boolean; text: string };
  s.isTTY = isTTY;
  s.text = "";
  return s;
}

const at = (seconds: number, operations: number) => ({ phase: "run" as const, elapsedMs: seconds * 1000, operations, expectedOperations: 1000, opsPerSec: 10 });

test("on a terminal progress is one line rewritten in place, ended by finish", () => {
  const out = sink(true);
  const p = progressPrinter(out, 10);
  p.onProgress(at(1, 10));
  p.onProgress(at(2, 20));
  p.finish();
  assert.equal(out.text, "\rrun: 10 ops, 10 ops/s, 1 s elapsed, 1% of 1000\x1b[K\rrun: 20 ops, 10 ops/s, 2 s elapsed, 2% of 1000\x1b[K\n");
});

test("elsewhere a status line is printed every status interval", () => {
  const out = sink(false);
  const p = progressPrinter(out, 10);
  for (let s = 1; s <= 25; s++) p.onProgress(at(s, s * 10));
  p.finish();
  const lines = out.text.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^\S+ 10 sec: 100 operations; 10\.0 current ops\/sec, 10% of 1000$/);
  assert.match(lines[1], / 20 sec: 200 operations;/);
});
