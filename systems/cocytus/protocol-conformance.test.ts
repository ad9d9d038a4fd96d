import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import type { RunningProcess } from "../../test/support/process.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { CONFORMANCE_CASES, normalizeReplies } from "../protocol/conformance-cases.ts";
import { startTestGroup, type TestGroup } from "./test-group.ts";

// The differential test for cocytus: every case of the protocol's conformance table goes to native
// memcached (the oracle) and to a data process of a real group (every write through the parity
// processes), and the replies must be identical.
const skip = hasNativeMemcached() ? false : "native memcached is not installed (apt-get install memcached)";
let native: RunningProcess;
let group: TestGroup;

before(async () => {
  if (skip) return;
  [native, group] = await Promise.all([startNativeMemcached({ extraArgs: ["-B", "ascii"] }), startTestGroup({ k: 3, m: 2, memoryMb: 64 })]);
});

after(async () => {
  await Promise.all([native?.stop(), group?.stop()]);
});

for (const c of CONFORMANCE_CASES) {
  test(`a cocytus data process answers as memcached does: ${c.name}`, { skip }, async () => {
    const dataProcess = group.members[0];
    const [expected, actual] = await Promise.all([rawExchange(native.host, native.port, c.steps), rawExchange(dataProcess.host, dataProcess.port, c.steps)]);
    assert.equal(normalizeReplies(actual.received), normalizeReplies(expected.received));
    assert.equal(actual.closedByServer, expected.closedByServer, "the server closed the connection (or not) as memcached did");
  });
}
