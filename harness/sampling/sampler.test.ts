import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LocalExecutor } from "../cluster/local-executor.ts";
import type { NodeConfig } from "../cluster/types.ts";
import type { ProcessInfo } from "../deploy/types.ts";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import { cpuPercent, readSamples, startSampling } from "./sampler.ts";

const skip = !hasNativeMemcached() && "native memcached is not installed";

test("the sampler writes each process's RSS and CPU time once per interval, and sees a killed process as dead", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sampler-"));
  const servers = [await startNativeMemcached(), await startNativeMemcached()];
  try {
    const node: NodeConfig = { index: 0, name: "node1", host: "127.0.0.1", sshHost: "127.0.0.1", transport: { kind: "local" }, workDir: dir };
    const processes: ProcessInfo[] = servers.map((s, i) => ({ id: `plain-${i}`, node: 0, role: "plain", group: i, index: 0, host: s.host, port: s.port, pid: s.child.pid! }));
    const path = join(dir, "samples", "processes.jsonl");
    const sampler = await startSampling({ executors: [new LocalExecutor(node)], processes, path, intervalMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await servers[1].stop();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { ticks, errors } = await sampler.stop();
    assert.deepEqual(errors, []);
    const samples = readSamples(path);
    const lastElapsed = samples[samples.length - 1].elapsedMs;
    assert.ok(ticks >= 5, `expected at least 5 ticks in 600 ms at 100 ms, found ${ticks}`);
    assert.ok(ticks <= Math.floor(lastElapsed / 100) + 1, `${ticks} ticks in ${lastElapsed} ms: more than one per 100 ms`);
    assert.equal(samples.length, ticks * 2);
    const first = samples.filter((s) => s.id === "plain-0");
    assert.ok(first.every((s) => s.alive && s.rssBytes > 1024 * 1024 && s.pid === servers[0].child.pid));
    for (let i = 1; i < first.length; i++) {
      assert.ok(first[i].cpuSeconds >= first[i - 1].cpuSeconds, "CPU time never goes back");
      assert.ok(first[i].elapsedMs > first[i - 1].elapsedMs);
    }
    const second = samples.filter((s) => s.id === "plain-1");
    assert.equal(second[0].alive, true);
    assert.equal(second[second.length - 1].alive, false);
    const cpu = cpuPercent(samples, 0, 10_000);
    assert.ok(cpu.has("plain-0") && cpu.get("plain-0")! >= 0 && cpu.get("plain-0")! < 100);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stopping right after starting still leaves a readable file with the first tick", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sampler-"));
  try {
    const node: NodeConfig = { index: 0, name: "node1", host: "127.0.0.1", sshHost: "127.0.0.1", transport: { kind: "local" }, workDir: dir };
    const path = join(dir, "s.jsonl");
    const sampler = await startSampling({ executors: [new LocalExecutor(node)], processes: [{ id: "self", node: 0, role: "plain", group: 0, index: 0, host: "127.0.0.1", port: 1, pid: process.pid }], path, intervalMs: 1000 });
    const { ticks } = await sampler.stop();
    assert.equal(ticks, 1);
    const [sample] = readSamples(path);
    assert.equal(sample.id, "self");
    assert.equal(sample.alive, true);
    assert.ok(sample.rssBytes > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
