import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFORMANCE_CASES, normalizeReplies } from "../protocol/conformance-cases.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { useOracleAndPlain } from "./test-servers.ts";

// The differential test: every case of the conformance table goes to native memcached (the oracle)
// and to our plain server (a child process, as deployed), and the replies must be identical.
const { skip, servers } = useOracleAndPlain();

for (const c of CONFORMANCE_CASES) {
  test(`our plain server answers as memcached does: ${c.name}`, { skip }, async () => {
    const [expected, actual] = await Promise.all([
      rawExchange(servers.native.host, servers.native.port, c.steps),
      rawExchange(servers.ours.host, servers.ours.port, c.steps),
    ]);
    assert.equal(normalizeReplies(actual.received), normalizeReplies(expected.received));
    assert.equal(actual.closedByServer, expected.closedByServer, "the server closed the connection (or not) as memcached did");
  });
}
