import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { routeKey } from "../../systems/routing/router.ts";
import { freePort } from "../../test/support/ports.ts";
import { requestReply } from "../../test/support/request-reply.ts";
import { startProxy } from "../proxy/proxy.ts";
import { deploy } from "./deploy.ts";
import { answersVersion } from "./readiness.ts";
import { readState } from "./state.ts";
import { makeTestCluster, processesIn } from "./test-cluster.ts";

test("plain on a local cluster: 15 processes answer, a key set through the proxy lives on its owner, kill node 2 kills exactly its processes, teardown leaves none", async () => {
  const cluster = await makeTestCluster();
  try {
    const deployment = await deploy({ mode: "plain", cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath, memoryMb: 16 });
    try {
      assert.equal(deployment.processes.length, 15);
      assert.deepEqual(deployment.shape, { mode: "plain", groups: 15 });
      for (const p of deployment.processes) assert.ok(await answersVersion(p.host, p.port), `${p.id} answers version`);
      assert.equal(readState(cluster.statePath)?.status, "up");
      await assert.rejects(deploy({ mode: "plain", cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath }), /already recorded .* run `npx harness down` first/);

      const proxy = await startProxy({ port: 0, shape: deployment.shape, processes: deployment.processes });
      try {
        for (const key of ["user6284781860667377211", "user8517097267634966620", "alpha", "beta"]) {
          assert.equal(await requestReply(proxy.host, proxy.port, `set ${key} 0 0 5\r\nvalue\r\n`), "STORED\r\n");
          const owner = deployment.processes[routeKey(key, deployment.shape).group];
          assert.equal(await requestReply(owner.host, owner.port, `get ${key}\r\n`, "END\r\n"), `VALUE ${key} 0 5\r\nvalue\r\nEND\r\n`);
        }
      } finally {
        await proxy.close();
      }

      const record = await deployment.inject("kill", { node: 2 });
      assert.deepEqual(record.processes.map((p) => p.id), ["plain-2", "plain-7", "plain-12"]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const status = await deployment.status();
      assert.deepEqual(status.filter((s) => !s.alive).map((s) => s.id), ["plain-2", "plain-7", "plain-12"]);
      for (const s of status) assert.equal(await answersVersion(s.host, s.port), s.node !== 2, `${s.id} on node ${s.node}`);
      assert.equal(readState(cluster.statePath)?.faults[0].target, "node 2");
      assert.throws(() => deployment.resolve({ node: 5 }), /node must be a node number 0..4 \(0 = node1, .*found 5/);
      assert.throws(() => deployment.resolve({ processId: "plain-99" }), /no process "plain-99"/);
      const logs = await deployment.collectLogs(join(cluster.dir, "run", "logs"));
      assert.equal(logs.length, 15);
      assert.match(readFileSync(logs[3], "utf8"), new RegExp(`^listening 127\\.0\\.1\\.4:${cluster.basePort} mode=plain pid=\\d+`, "m"));
    } finally {
      await deployment.teardown();
    }
    assert.deepEqual(processesIn(cluster.dir), []);
    assert.equal(existsSync(cluster.statePath), false);
    await deployment.teardown(); // idempotent
  } finally {
    cluster.remove();
  }
});

test("a process that exits at start (its port is taken) fails the deployment, naming node, process and the log, and nothing is left", async () => {
  const cluster = await makeTestCluster();
  // plain-6 is node index 1's second process: 127.0.1.2, base + 1.
  const squatter: Server = createServer();
  await new Promise<void>((resolve) => squatter.listen(cluster.basePort + 1, "127.0.1.2", resolve));
  try {
    await assert.rejects(deploy({ mode: "plain", cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath, memoryMb: 16 }), (error: Error) => {
      assert.match(error.message, /^node2 \(127\.0\.1\.2\): process plain-6 \(pid \d+\) exited at start/);
      assert.match(error.message, /EADDRINUSE|cannot listen/);
      return true;
    });
    assert.deepEqual(processesIn(cluster.dir), []);
    assert.equal(existsSync(cluster.statePath), false);
  } finally {
    squatter.close();
    cluster.remove();
  }
});

test("an unreachable SSH node fails the deployment naming the node, and nothing is started", async () => {
  const cluster = await makeTestCluster();
  try {
    const unusedPort = await freePort("127.0.1.1");
    const key = join(cluster.dir, "key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const clustersFile = join(cluster.dir, "ssh-clusters.yaml");
    writeFileSync(
      clustersFile,
      [
        "clusters:",
        "  local:",
        "    transport: local",
        "    basePort: 20000",
        `    workDir: ${join(cluster.dir, "work")}`,
        "    nodes: [{ name: node1, host: 127.0.0.1 }]",
        "  gone:",
        "    transport: ssh",
        `    basePort: ${cluster.basePort}`,
        "    workDir: /tmp/never-used",
        `    ssh: { user: root, port: ${unusedPort}, key: ${key}, hostKeyCheck: off }`,
        "    nodes:",
        ...["127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.1.5"].map((host, i) => `      - { name: node${i + 1}, host: ${host} }`),
        "",
      ].join("\n"),
    );
    await assert.rejects(deploy({ mode: "plain", cluster: "gone", clustersFile, statePath: cluster.statePath, connectTimeoutMs: 2000 }), /cannot reach node\d \(127\.0\.1\.\d\): .*(ECONNREFUSED|refused)/);
    assert.equal(existsSync(cluster.statePath), false);
  } finally {
    cluster.remove();
  }
});

test("bad coding parameters are refused before anything starts", async () => {
  const cluster = await makeTestCluster();
  try {
    await assert.rejects(deploy({ mode: "cocytus", k: 4, m: 2, cluster: "test", clustersFile: cluster.clustersFile, statePath: cluster.statePath }), /RS\(4,2\) needs k \+ m = 6 nodes/);
    await assert.rejects(deploy({ mode: "plain", cluster: "nope", clustersFile: cluster.clustersFile, statePath: cluster.statePath }), /no cluster named "nope"; expected one of test/);
    assert.equal(existsSync(cluster.statePath), false);
  } finally {
    cluster.remove();
  }
});

test("an experiment interrupted with Ctrl-C after deploying tears the deployment down and exits 130", async () => {
  const cluster = await makeTestCluster();
  try {
    const script = [
      `import { deploy } from ${JSON.stringify(new URL("./deploy.ts", import.meta.url).pathname)};`,
      `const deployment = await deploy({ mode: "plain", groups: 5, cluster: "test", clustersFile: ${JSON.stringify(cluster.clustersFile)}, statePath: ${JSON.stringify(cluster.statePath)}, memoryMb: 16 });`,
      `deployment.teardownOnSignals();`,
      `console.log("deployed");`,
      `setInterval(() => {}, 1000);`,
    ].join("\n");
    const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("deployed") && resolve());
      child.once("close", () => reject(new Error(`the experiment exited before deploying: ${stderr}`)));
    });
    assert.equal(processesIn(cluster.dir).length, 5);
    child.kill("SIGINT");
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /SIGINT: tearing down the plain deployment on test/);
    assert.deepEqual(processesIn(cluster.dir), []);
    assert.equal(existsSync(cluster.statePath), false);
  } finally {
    cluster.remove();
  }
});
