import assert from "node:assert/strict";
import { test } from "node:test";
import { CpuSampler, cpuOverWindow, type CpuSample } from "./cpu-sampler.ts";

const sample = (atMs: number, a: number, b: number, client = atMs / 1000): CpuSample => ({ atMs, cpuSeconds: { a, b }, clientCpuSeconds: client });

test("CPU over the measured window is the difference between the first and last samples inside it", () => {
  const samples = [sample(0, 0, 0), sample(1000, 0.5, 0.1), sample(2000, 1.2, 0.3), sample(3000, 1.9, 0.5), sample(4000, 2.0, 0.5)];
  const window = cpuOverWindow(samples, 900, 3100);
  assert.equal(window.fromMs, 1000);
  assert.equal(window.toMs, 3000);
  assert.equal(window.seconds, 2);
  assert.ok(Math.abs(window.processes.a - 1.4) < 1e-9);
  assert.ok(Math.abs(window.processes.b - 0.4) < 1e-9);
  assert.equal(window.clientCpuSeconds, 2);
});

test("a window shorter than two samples falls back to the whole sampled span", () => {
  const window = cpuOverWindow([sample(0, 0, 0), sample(1000, 1, 1), sample(2000, 2, 2)], 1500, 1600);
  assert.equal(window.seconds, 2);
  assert.equal(window.processes.a, 2);
});

test("a process missing from the first sample is an error that names it", () => {
  const samples: CpuSample[] = [{ atMs: 0, cpuSeconds: { a: 0 }, clientCpuSeconds: 0 }, sample(1000, 1, 1)];
  assert.throws(() => cpuOverWindow(samples, 0, 1000), /process b has no reading/);
  assert.throws(() => cpuOverWindow([sample(0, 0, 0)], 0, 1), /expected at least 2 samples, found 1/);
});

test("the sampler reads at start, on its interval and at stop, and reports a failed reading", async () => {
  let reads = 0;
  const sampler = new CpuSampler(async () => ({ a: ++reads }), 20);
  await sampler.start();
  await new Promise((resolve) => setTimeout(resolve, 70));
  const samples = await sampler.stop();
  assert.ok(samples.length >= 3, `expected a first, some interval and a last sample, found ${samples.length}`);
  assert.deepEqual(samples.map((s) => s.cpuSeconds.a), samples.map((_, i) => i + 1));

  const failing = new CpuSampler(async () => {
    throw new Error("plain-3 (pid 9) not running");
  }, 20);
  await failing.start();
  await assert.rejects(failing.stop(), /plain-3 \(pid 9\) not running/);
});
