import assert from "node:assert/strict";
import { test } from "node:test";
import { startPlainProcess } from "../../systems/server/test-servers.ts";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import { requestReply } from "../../test/support/request-reply.ts";
import { readServerStats, type ServerStats } from "./server-stats.ts";
import { settleIdleCollections } from "./settle.ts";

test("after a load the wait ends once our server's idle collection is over; native memcached is not waited for", { skip: !hasNativeMemcached() && "memcached is not installed" }, async () => {
  const ours = await startPlainProcess();
  const native = await startNativeMemcached();
  try {
    const value = "v".repeat(1000);
    const load = Array.from({ length: 2000 }, (_, i) => `set key${i} 0 0 ${value.length} noreply\r\n${value}\r\n`).join("") + "version\r\n";
    for (const server of [ours, native]) await requestReply(server.host, server.port, load, /VERSION .*\r\n$/, 20_000);
    const readStats = async () =>
      new Map<string, ServerStats>([
        ["ours", await readServerStats(ours.host, ours.port)],
        ["memcached", await readServerStats(native.host, native.port)],
      ]);
    const right = (await readStats()).get("ours")!;
    assert.equal(right.gc_idle_pending, "1", "2 MB of input makes a collection due");
    assert.equal(right.gc_idle_collections, "0");

    const pending = await settleIdleCollections(readStats, { timeoutMs: 20_000, afterMs: 0, signal: new AbortController().signal });
    assert.deepEqual(pending, []);
    const after = (await readStats()).get("ours")!;
    assert.equal(after.gc_idle_pending, "0");
    assert.equal(after.gc_idle_collections, "1");
  } finally {
    await Promise.all([ours.stop(), native.stop()]);
  }
});

test("a process whose collection is still pending when the wait times out is named", async () => {
  const stats = new Map<string, ServerStats>([
    ["cocytus-g0-data0", { gc_idle_pending: "0" }],
    ["cocytus-g0-parity0", { gc_idle_pending: "1" }],
  ]);
  const started = Date.now();
  const pending = await settleIdleCollections(async () => stats, { timeoutMs: 300, afterMs: 0, pollMs: 50, signal: new AbortController().signal });
  assert.deepEqual(pending, ["cocytus-g0-parity0"]);
  assert.ok(Date.now() - started >= 300, "it waited out the timeout");
});

test("Ctrl-C ends the wait", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("interrupted")), 100);
  const forever = async () => new Map<string, ServerStats>([["plain-0", { gc_idle_pending: "1" }]]);
  await assert.rejects(settleIdleCollections(forever, { timeoutMs: 60_000, afterMs: 0, pollMs: 50, signal: controller.signal }), /interrupted/);
});
