import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { routeKey, type RoutingShape } from "../../systems/routing/router.ts";
import { freePort } from "../../test/support/ports.ts";
import { waitForPort } from "../../test/support/process.ts";
import { requestReply } from "../../test/support/request-reply.ts";
import { readState } from "../deploy/state.ts";
import { makeTestCluster, processesIn, type TestCluster } from "../deploy/test-cluster.ts";
import type { ProcessInfo } from "../deploy/types.ts";

const cliPath = fileURLToPath(new URL("./main.ts", import.meta.url));

interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `harness <args>` against the test cluster's clusters.yaml and state file. */
function startCli(cluster: TestCluster, args: string[]): CliRun {
  const child = spawn(process.execPath, ["--import", "tsx", cliPath, "--state", cluster.statePath, "--clusters", cluster.clustersFile, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function runCli(cluster: TestCluster, args: string[], timeoutMs = 60_000) {
  const run = startCli(cluster, args);
  const timer = setTimeout(() => run.child.kill("SIGKILL"), timeoutMs);
  const result = await run.done;
  clearTimeout(timer);
  return result;
}

/** Resolves once the state file records at least `count` started processes (polls every 20 ms). */
async function startedProcesses(cluster: TestCluster, count: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const n = readState(cluster.statePath)?.processes.length ?? 0;
      if (n >= count) return n;
    } catch {
      // Mid-rename; read again.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the state file did not record ${count} processes within ${timeoutMs} ms`);
}

test("up prints the process table as JSON; status, kill node 2, the proxy and down work as separate invocations", async () => {
  const cluster = await makeTestCluster();
  let proxy: CliRun | undefined;
  try {
    const up = await runCli(cluster, ["up", "--mode", "plain", "--memory", "16"]);
    assert.equal(up.code, 0, up.stderr);
    const table = JSON.parse(up.stdout) as ProcessInfo[];
    assert.equal(table.length, 15);
    assert.deepEqual(Object.keys(table[0]), ["id", "node", "role", "group", "index", "host", "port", "pid"]);
    assert.deepEqual(table[7], { ...table[7], id: "plain-7", node: 2, role: "plain", group: 7, index: 0, host: "127.0.1.3", port: cluster.basePort + 1 });

    const proxyPort = await freePort();
    proxy = startCli(cluster, ["proxy", "--port", String(proxyPort)]);
    await waitForPort("127.0.0.1", proxyPort, 20_000, proxy.child);
    const shape: RoutingShape = { mode: "plain", groups: 15 };
    assert.equal(await requestReply("127.0.0.1", proxyPort, "set through-the-proxy 7 0 3\r\nabc\r\n", "\r\n"), "STORED\r\n");
    const owner = table[routeKey("through-the-proxy", shape).group];
    assert.equal(await requestReply(owner.host, owner.port, "get through-the-proxy\r\n", "END\r\n"), "VALUE through-the-proxy 7 3\r\nabc\r\nEND\r\n");

    const kill = await runCli(cluster, ["kill", "node", "2"]);
    assert.equal(kill.code, 0, kill.stderr);
    assert.match(kill.stdout, /kill node 2: SIGKILL to 3 process\(es\): plain-2 .*plain-7 .*plain-12/);
    const status = await runCli(cluster, ["status", "--json"]);
    const report = JSON.parse(status.stdout) as { processes: { id: string; node: number; alive: boolean; rssBytes: number }[]; faults: { target: string; at: string }[] };
    assert.deepEqual(report.processes.filter((p) => !p.alive).map((p) => p.node), [2, 2, 2]);
    assert.ok(report.processes.filter((p) => p.alive).every((p) => p.rssBytes > 0));
    assert.equal(report.faults[0].target, "node 2");
    assert.ok(!Number.isNaN(Date.parse(report.faults[0].at)));

    const badKill = await runCli(cluster, ["kill", "node", "9"]);
    assert.equal(badKill.code, 1);
    assert.match(badKill.stderr, /node must be a node number 0..4 .*found 9/);
    const badTarget = await runCli(cluster, ["pause", "nobody"]);
    assert.match(badTarget.stderr, /no process "nobody" in the deployment/);

    const down = await runCli(cluster, ["down"]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesIn(cluster.dir), []);
    const again = await runCli(cluster, ["down"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing recorded .* 0 leftover server\(s\)/);
  } finally {
    proxy?.child.kill("SIGINT");
    await proxy?.done;
    await runCli(cluster, ["down"]);
    cluster.remove();
  }
});

test("Ctrl-C during up tears down what was started and exits 130", async () => {
  const cluster = await makeTestCluster();
  try {
    const up = startCli(cluster, ["up", "--mode", "plain", "--memory", "16"]);
    await startedProcesses(cluster, 1);
    up.child.kill("SIGINT");
    const result = await up.done;
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /interrupted by SIGINT; everything started was torn down/);
    assert.deepEqual(processesIn(cluster.dir), []);
    assert.equal(existsSync(cluster.statePath), false);
  } finally {
    cluster.remove();
  }
});

test("down cleans up after an up that crashed, from the state file or, without it, from pidfiles and working folders", async () => {
  const cluster = await makeTestCluster();
  try {
    for (const loseState of [false, true]) {
      const up = startCli(cluster, ["up", "--mode", "plain", "--memory", "16"]);
      await startedProcesses(cluster, 5);
      up.child.kill("SIGKILL");
      await up.done;
      assert.ok(processesIn(cluster.dir).length >= 5, "servers outlive the crashed CLI");
      if (loseState) rmSync(cluster.statePath);
      const down = await runCli(cluster, ["down"]);
      assert.equal(down.code, 0, down.stderr);
      if (loseState) assert.match(down.stdout, /nothing recorded .* [1-9]\d* leftover server\(s\) found by pidfile/);
      assert.deepEqual(processesIn(cluster.dir), []);
      assert.equal(existsSync(cluster.statePath), false);
      assert.equal(existsSync(join(cluster.dir, "work", "node1", "server-plain-0.pid")), false);
    }
  } finally {
    await runCli(cluster, ["down"]);
    cluster.remove();
  }
});

test("bad options get clear errors and start nothing", async () => {
  const cluster = await makeTestCluster();
  try {
    const noMode = await runCli(cluster, ["up"]);
    assert.equal(noMode.code, 1);
    assert.match(noMode.stderr, /required option '--mode <mode>' not specified/);
    const kForPlain = await runCli(cluster, ["up", "--mode", "plain", "--k", "3"]);
    assert.match(kForPlain.stderr, /--k and --m are cocytus's coding parameters; mode plain takes neither/);
    const badK = await runCli(cluster, ["up", "--mode", "cocytus", "--k", "three"]);
    assert.match(badK.stderr, /--k must be an integer in 1..64, found "three"/);
    const tooWide = await runCli(cluster, ["up", "--mode", "cocytus", "--k", "4", "--m", "2"]);
    assert.match(tooWide.stderr, /RS\(4,2\) needs k \+ m = 6 nodes/);
    const status = await runCli(cluster, ["status"]);
    assert.match(status.stdout, /nothing is deployed/);
    assert.deepEqual(processesIn(cluster.dir), []);
  } finally {
    cluster.remove();
  }
});
