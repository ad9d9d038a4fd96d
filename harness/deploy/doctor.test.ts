import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { test } from "node:test";
import { loadCluster } from "../cluster/config.ts";
import { deploy } from "./deploy.ts";
import { diagnoseCluster } from "./doctor.ts";
import { makeTestCluster } from "./test-cluster.ts";

test("doctor finds a ready local cluster ready, and names a busy port on its node", async () => {
  const cluster = await makeTestCluster();
  const squatter: Server = createServer();
  try {
    const config = loadCluster("test", cluster.clustersFile);
    const clean = await diagnoseCluster(config);
    assert.deepEqual(clean.map((n) => n.problems), [[], [], [], [], []]);
    assert.ok(clean[0].facts.some((f) => /^node v\d+/.test(f)));
    await new Promise<void>((resolve) => squatter.listen(cluster.basePort + 4, "127.0.1.4", resolve));
    const busy = await diagnoseCluster(config);
    assert.deepEqual(busy.map((n) => n.problems.length), [0, 0, 0, 1, 0]);
    assert.match(busy[3].label, /^node4 \(127\.0\.1\.4\)$/);
    assert.match(busy[3].problems[0], new RegExp(`ports in use on 127\\.0\\.1\\.4: ${cluster.basePort + 4} \\(placement uses ${cluster.basePort}-${cluster.basePort + 17}\\)`));
  } finally {
    squatter.close();
    cluster.remove();
  }
});

test("doctor reports the servers of a running deployment and their busy ports", async () => {
  const cluster = await makeTestCluster();
  try {
    const deployment = await deploy({ mode: "plain", cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath, memoryMb: 16 });
    try {
      const report = await diagnoseCluster(deployment.cluster);
      for (const node of report) {
        assert.equal(node.problems.length, 2, node.problems.join("; "));
        assert.match(node.problems[0], new RegExp(`ports in use on .*: ${cluster.basePort}, ${cluster.basePort + 1}, ${cluster.basePort + 2} `));
        const pids = deployment.processes.filter((p) => p.node === node.node).map((p) => p.pid);
        assert.match(node.problems[1], /harness servers still running: pids/);
        for (const pid of pids) assert.ok(node.problems[1].includes(String(pid)), `${node.label} lists pid ${pid}`);
      }
    } finally {
      await deployment.teardown();
    }
  } finally {
    cluster.remove();
  }
});
