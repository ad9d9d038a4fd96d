import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { deploy } from "../deploy/deploy.ts";
import { makeTestCluster, processesIn } from "../deploy/test-cluster.ts";
import { startProxy } from "./proxy.ts";
import { groupViewRefresher } from "./view-refresher.ts";

async function ask(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply to ${JSON.stringify(request)}; got ${JSON.stringify(reply)}`));
    }, 15_000);
    socket.on("data", (d: Buffer) => {
      reply += d.toString("latin1");
      if (/(END|STORED|ERROR[^\r]*)\r\n$/.test(reply)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

test("after a node with pbr primaries is killed, the proxy asks the groups for their view and serves every key from the new primaries", async () => {
  const cluster = await makeTestCluster();
  try {
    const deployment = await deploy({ mode: "pbr", groups: 5, cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath, memoryMb: 16 });
    try {
      const proxy = await startProxy({ port: 0, shape: deployment.shape, processes: deployment.processes, refresh: groupViewRefresher("pbr", deployment.processes), timeoutMs: 3000 });
      try {
        const keys = Array.from({ length: 40 }, (_, i) => `failover-${i}`);
        for (const key of keys) assert.equal(await ask(proxy.port, `set ${key} 0 0 ${key.length}\r\n${key}\r\n`), "STORED\r\n");
        // Node 0 holds group 0's primary (and backups of groups 3 and 4).
        await deployment.inject("kill", { node: 0 });
        for (const key of keys) assert.equal(await ask(proxy.port, `get ${key}\r\n`), `VALUE ${key} 0 ${key.length}\r\n${key}\r\nEND\r\n`, key);
        const owner = proxy.table.ownerOf("0/0");
        assert.notEqual(owner.id, "pbr-g0-primary");
        assert.match(owner.id, /^pbr-g0-backup[12]$/);
        assert.equal(await ask(proxy.port, "set failover-after 0 0 1\r\nx\r\nget failover-after\r\n"), "STORED\r\nVALUE failover-after 0 1\r\nx\r\nEND\r\n");
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
