import assert from "node:assert/strict";
import { test } from "node:test";
import { parseProcStats } from "./proc-stats.ts";

// Fields after comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
const stat = (comm: string, state: string, utime: number, stime: number) => `4242 (${comm}) ${state} 1 4242 4242 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 500 1000 200\n`;

test("CPU time is utime + stime in clock ticks of 1/100 s, and RSS comes from VmRSS in kB", () => {
  const stats = parseProcStats(4242, stat("node", "S", 250, 50), "Name:\tnode\nVmRSS:\t   40960 kB\nVmSwap:\t0 kB\n");
  assert.deepEqual(stats, { pid: 4242, alive: true, rssBytes: 40960 * 1024, cpuSeconds: 3 });
});

test("a command name with spaces and parentheses does not shift the fields", () => {
  assert.equal(parseProcStats(4242, stat("a) (b c", "R", 7, 3), "").cpuSeconds, 0.1);
});

test("a zombie or a missing process is not alive", () => {
  assert.equal(parseProcStats(4242, stat("x", "Z", 1, 1), "").alive, false);
  assert.deepEqual(parseProcStats(4242, "", ""), { pid: 4242, alive: false, rssBytes: 0, cpuSeconds: 0 });
});
