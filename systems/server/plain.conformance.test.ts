import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CONFORMANCE_CASES, normalizeReplies } from "../protocol/conformance-cases.ts";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import type { RunningProcess } from "../../test/support/process.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { startPlainProcess } from "./test-servers.ts";

// The differential test: every case of the conformance table goes to native memcached (the oracle)
// and to our plain server (a child process, as deployed), and the replies must be identical.
const skip = hasNativeMemcached() ? false : "native memcached is not installed (apt-get install memcached)";
let native: RunningProcess;
let ours: RunningProcess;

before(async () => {
  if (skip) return;
  // -B ascii: our server speaks only the text protocol, so the oracle must not switch to binary.
  [native, ours] = await Promise.all([startNativeMemcached({ extraArgs: ["-B", "ascii"] }), startPlainProcess()]);
});

after(async () => {
  await Promise.all([native?.stop(), ours?.stop()]);
});

for (const c of CONFORMANCE_CASES) {
  test(`our plain server answers as memcached does: ${c.name}`, { skip }, async () => {
    const [expected, actual] = await Promise.all([
      rawExchange(native.host, native.port, c.steps),
      rawExchange(ours.host, ours.port, c.steps),
    ]);
    assert.equal(normalizeReplies(actual.received), normalizeReplies(expected.received));
    assert.equal(actual.closedByServer, expected.closedByServer, "the server closed the connection (or not) as memcached did");
  });
}
