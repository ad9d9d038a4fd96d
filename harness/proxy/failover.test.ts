import assert from "node:assert/strict";
import { test } from "node:test";
import { requestReply } from "../../test/support/request-reply.ts";
import { deploy } from "../deploy/deploy.ts";
import { makeTestCluster, processesIn } from "../deploy/test-cluster.ts";
import { startProxy } from "./proxy.ts";
import { groupViewRefresher } from "./view-refresher.ts";

/** A complete answer to the requests these tests send (a get, a set, or an error). */
const ANSWERED = /(END|STORED|ERROR[^\r]*)\r\n$/;

test("after a node with pbr primaries is killed, the proxy asks the groups for their view and serves every key from the new primaries", async () => {
  const cluster = await makeTestCluster();
  try {
    const deployment = await deploy({ mode: "pbr", groups: 5, cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath, memoryMb: 16 });
    try {
      const proxy = await startProxy({ port: 0, shape: deployment.shape, processes: deployment.processes, refresh: groupViewRefresher("pbr", deployment.processes), timeoutMs: 3000 });
      try {
        const keys = Array.from({ length: 40 }, (_, i) => `failover-${i}`);
        for (const key of keys) assert.equal(await requestReply("127.0.0.1", proxy.port, `set ${key} 0 0 ${key.length}\r\n${key}\r\n`, ANSWERED, 15_000), "STORED\r\n");
        // Node 0 holds group 0's primary (and backups of groups 3 and 4).
        await deployment.inject("kill", { node: 0 });
        for (const key of keys) assert.equal(await requestReply("127.0.0.1", proxy.port, `get ${key}\r\n`, ANSWERED, 15_000), `VALUE ${key} 0 ${key.length}\r\n${key}\r\nEND\r\n`, key);
        const owner = proxy.table.ownerOf("0/0");
        assert.notEqual(owner.id, "pbr-g0-primary");
        assert.match(owner.id, /^pbr-g0-backup[12]$/);
        assert.equal(await requestReply("127.0.0.1", proxy.port, "set failover-after 0 0 1\r\nx\r\nget failover-after\r\n", "END\r\n"), "STORED\r\nVALUE failover-after 0 1\r\nx\r\nEND\r\n");
      } finally {
        await proxy.close();
      }
    } finally {
      await deployment.teardown();
    }
    assert.deepEqual(processesIn(cluster.dir), []);
  } finally {
    cluster.remove();
  }
});
