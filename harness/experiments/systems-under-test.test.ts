import assert from "node:assert/strict";
import { test } from "node:test";
import { isRunning } from "../cluster/proc-stats.ts";
import { hasNativeMemcached } from "../../test/support/memcached.ts";
import { bringUp } from "./systems-under-test.ts";

const options = { cluster: "local", memoryMb: 64, statePath: "/nonexistent/unused-by-memcached.json", signal: new AbortController().signal };

test("native memcached comes up as 15 processes placed like plain mode, answers stats, and teardown leaves none running", { skip: !hasNativeMemcached() && "native memcached is not installed" }, async () => {
  const sut = await bringUp("memcached", options);
  try {
    assert.equal(sut.processes.length, 15);
    assert.deepEqual(
      sut.processes.slice(0, 6).map((p) => [p.id, p.node, p.host]),
      [
        ["memcached-0", 0, "127.0.1.1"],
        ["memcached-1", 1, "127.0.1.2"],
        ["memcached-2", 2, "127.0.1.3"],
        ["memcached-3", 3, "127.0.1.4"],
        ["memcached-4", 4, "127.0.1.5"],
        ["memcached-5", 0, "127.0.1.1"],
      ],
    );
    assert.deepEqual(sut.routing, { mode: "plain", groups: 15 });
    const rss = await sut.readRss();
    assert.equal(rss.size, 15);
    for (const p of sut.processes) assert.ok((rss.get(p.id) ?? 0) > 100_000, `${p.id} should have a resident set`);
    const cpu = await sut.readCpu();
    for (const p of sut.processes) assert.ok((cpu.get(p.id) ?? -1) >= 0, `${p.id} has a CPU time`);
    const stats = await sut.readStats();
    for (const p of sut.processes) assert.equal(stats.get(p.id)?.pid, String(p.pid), `${p.id} answers stats with its own pid`);
    assert.equal(stats.get("memcached-0")?.limit_maxbytes, String(64 * 2 ** 20));
  } finally {
    await sut.teardown();
  }
  for (const p of sut.processes) assert.equal(isRunning(p.pid), false, `${p.id} (pid ${p.pid}) must be gone after teardown (a zombie has stopped, as the harness counts it)`);
});

test("a cluster name that clusters.yaml does not have is refused with the names it has", async () => {
  await assert.rejects(bringUp("memcached", { ...options, cluster: "nope" }), /no cluster named "nope"; expected one of local, netns/);
});
