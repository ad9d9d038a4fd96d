import assert from "node:assert/strict";
import { test } from "node:test";
import { hasNativeMemcached } from "../../test/support/memcached.ts";
import { bringUp } from "./systems-under-test.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("native memcached comes up as 15 processes placed like plain mode, answers stats, and teardown leaves none running", { skip: !hasNativeMemcached() && "native memcached is not installed" }, async () => {
  const sut = await bringUp("memcached", { cluster: "local", memoryMb: 64 });
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
    assert.equal(sut.targets.endpoints.length, 15);
    const proc = await sut.readProc();
    assert.equal(proc.size, 15);
    for (const p of sut.processes) assert.ok((proc.get(p.id)?.rssBytes ?? 0) > 100_000, `${p.id} should have a resident set`);
    const stats = await sut.readStats();
    for (const p of sut.processes) assert.equal(stats.get(p.id)?.pid, String(p.pid), `${p.id} answers stats with its own pid`);
    assert.equal(stats.get("memcached-0")?.limit_maxbytes, String(64 * 2 ** 20));
  } finally {
    await sut.teardown();
  }
  for (const p of sut.processes) assert.equal(alive(p.pid), false, `${p.id} (pid ${p.pid}) must be gone after teardown`);
});

test("a cluster name that clusters.yaml does not have is refused with the names it has", async () => {
  await assert.rejects(bringUp("memcached", { cluster: "nope", memoryMb: 64 }), /no cluster named "nope"; expected one of local, netns/);
});
