import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import type { ProcessGroup } from "../../test/support/process-group.ts";
import type { RunningProcess } from "../../test/support/process.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { CONFORMANCE_CASES, normalizeReplies } from "../protocol/conformance-cases.ts";
import { startPbrTestGroup } from "./test-group.ts";

// The differential test for pbr: every case of the protocol's conformance table goes to native
// memcached (the oracle) and to the primary of a real group (every write acknowledged by both
// backups before its reply), and the replies must be identical.
const skip = hasNativeMemcached() ? false : "native memcached is not installed (apt-get install memcached)";
let native: RunningProcess;
let group: ProcessGroup;

before(async () => {
  if (skip) return;
  [native, group] = await Promise.all([startNativeMemcached({ extraArgs: ["-B", "ascii"] }), startPbrTestGroup()]);
});

after(async () => {
  await Promise.all([native?.stop(), group?.stop()]);
});

for (const c of CONFORMANCE_CASES) {
  test(`a pbr primary answers as memcached does: ${c.name}`, { skip }, async () => {
    const primary = group.members[0];
    const [expected, actual] = await Promise.all([rawExchange(native.host, native.port, c.steps), rawExchange(primary.host, primary.port, c.steps)]);
    assert.equal(normalizeReplies(actual.received), normalizeReplies(expected.received));
    assert.equal(actual.closedByServer, expected.closedByServer, "the server closed the connection (or not) as memcached did");
  });
}

test("after the whole table every backup applied every write and holds the same items as the primary", { skip }, async () => {
  const fields = ["pbr_applied_seq", "curr_items", "bytes", "key_bytes"];
  const deadline = Date.now() + 5000;
  for (;;) {
    const stats = await Promise.all(group.members.map((m) => memberStats(m.host, m.port)));
    const rows = stats.map((s) => fields.map((f) => s.get(f)));
    if (rows.every((row) => JSON.stringify(row) === JSON.stringify(rows[0])) || Date.now() > deadline) {
      assert.deepEqual(rows[1], rows[0], "backup 1 matches the primary");
      assert.deepEqual(rows[2], rows[0], "backup 2 matches the primary");
      assert.ok(Number(rows[0][0]) > 100, `expected over 100 replicated writes, found ${rows[0][0]}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

async function memberStats(host: string, port: number): Promise<Map<string, string>> {
  const { received } = await rawExchange(host, port, [{ send: "stats\r\n", waitFor: "END\r\n" }]);
  return new Map([...received.toString("latin1").matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1], m[2]]));
}
