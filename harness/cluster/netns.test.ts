/**
 * The namespace cluster and the SSH executor over real sshds in real namespaces (root only).
 * Names and subnet are this test's own (derived from its pid), so a user's `netns` cluster is never touched.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { execa } from "execa";
import { waitForPort } from "../../test/support/process.ts";
import { loadCluster, projectRoot } from "./config.ts";
import { netnsDown, netnsState, netnsUp, sshdFiles } from "./netns.ts";
import type { NodeError } from "./node-error.ts";
import { SshExecutor } from "./ssh-executor.ts";
import type { ClusterConfig, NodeConfig } from "./types.ts";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root: network namespaces, veths and a bridge need CAP_NET_ADMIN";

const tag = `ct${process.pid % 10000}`;
const octet = 100 + (process.pid % 100);
const subnet = `10.213.${octet}`;
let folder: string;
let clustersPath: string;
let cluster: ClusterConfig;
let executors: SshExecutor[] = [];

function clustersYaml(stateDir: string): string {
  const nodes = [1, 2, 3, 4, 5].map((i) => `      - { name: node${i}, host: ${subnet}.${10 + i}, netns: ${tag}n${i} }`).join("\n");
  return `default: t
clusters:
  t:
    transport: ssh
    basePort: 17100
    workDir: ${stateDir}/work
    ssh: { user: root, key: ${stateDir}/client_key, knownHosts: ${stateDir}/known_hosts, hostKeyCheck: strict }
    netns: { bridge: ${tag}br, bridgeAddress: ${subnet}.1/24, stateDir: ${stateDir} }
    nodes:
${nodes}
`;
}

/** Every namespace, link and live sshd of the test cluster that exists, as text (empty when none). */
function leftovers(): string {
  const found: string[] = [];
  const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const line of namespaces.split("\n")) if (line.startsWith(tag)) found.push(`namespace ${line}`);
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  for (const line of links.split("\n")) if (line.includes(` ${tag}`)) found.push(`link ${line.split(":")[1].trim()}`);
  const processes = execFileSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" });
  for (const line of processes.split("\n")) if (line.includes(folder) && !/^\s*\d+\s+Z/.test(line)) found.push(`process ${line.trim()}`);
  return found.join("\n");
}

/** Tears the test cluster down whatever happened; also on Ctrl-C, when `after` hooks do not run. */
async function teardown(): Promise<void> {
  await Promise.allSettled(executors.map((executor) => executor.close()));
  if (cluster) await netnsDown(cluster);
}

function onSignal(signal: NodeJS.Signals): void {
  void teardown()
    .finally(() => rm(folder, { recursive: true, force: true }))
    .finally(() => process.kill(process.pid, signal));
}

before(async () => {
  if (!isRoot) return;
  folder = await mkdtemp(join(tmpdir(), "netns-test-"));
  clustersPath = join(folder, "clusters.yaml");
  await writeFile(clustersPath, clustersYaml(folder));
  cluster = loadCluster(undefined, clustersPath);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await netnsDown(cluster);
  const began = performance.now();
  assert.equal(await netnsUp(cluster), "created");
  console.log(`# netns up: ${Math.round(performance.now() - began)} ms`);
  executors = cluster.nodes.map((node) => new SshExecutor(node, { connectTimeoutMs: 5000 }));
});

after(async () => {
  if (!isRoot) return;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  try {
    await teardown();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

/** The test cluster's node `index` with some fields replaced. */
function variant(index: number, change: (node: NodeConfig) => Partial<NodeConfig>): NodeConfig {
  const node = cluster.nodes[index];
  return { ...node, ...change(node) };
}

test("up creates a namespace per node with its own address and a running sshd, and a second up finds it up", { skip }, async () => {
  const state = await netnsState(cluster);
  assert.equal(state.bridge, true);
  for (const node of state.nodes) {
    assert.ok(node.namespace && node.veth, `${node.name}: ${JSON.stringify(node)}`);
    assert.ok(node.sshdPid !== undefined, `${node.name} has a live sshd`);
  }
  const addresses = execFileSync("ip", ["-n", `${tag}n3`, "-br", "addr", "show", "dev", "eth0"], { encoding: "utf8" });
  assert.match(addresses, new RegExp(`${subnet.replace(/\./g, "\\.")}\\.13/24`));
  assert.equal(await netnsUp(cluster), "already up");
});

test("exec over SSH runs inside each node's namespace and returns exit codes and output", { skip }, async () => {
  const answers = await Promise.all(executors.map((executor) => executor.exec("hostname -I; echo oops >&2; exit 3")));
  answers.forEach((answer, i) => {
    assert.deepEqual(answer, { code: 3, stdout: `${cluster.nodes[i].host} \n`, stderr: "oops\n" });
  });
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const began = performance.now();
    await executors[0].exec("true");
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  console.log(`# ssh exec round trip: median ${times[10].toFixed(2)} ms, min ${times[0].toFixed(2)} ms (20 runs)`);
});

test("an exec that outlives its timeout is killed on the node and rejects naming the node", { skip }, async () => {
  const marker = `${tag}-timeout-${Date.now()}`;
  const began = Date.now();
  await assert.rejects(executors[1].exec(`sleep 30; echo ${marker}`, { timeoutMs: 300 }), (error: NodeError) => {
    assert.equal(error.code, "ETIMEDOUT");
    assert.match(error.message, new RegExp(`^node2 \\(${subnet.replace(/\./g, "\\.")}\\.12\\): exec timed out after 300 ms`));
    return true;
  });
  assert.ok(Date.now() - began < 3000, `rejected after ${Date.now() - began} ms`);
  const deadline = Date.now() + 3000;
  let remaining = "";
  do remaining = (await executors[1].exec(`pgrep -f '[${marker[0]}]${marker.slice(1)}' || true`)).stdout;
  while (remaining !== "" && Date.now() < deadline);
  assert.equal(remaining, "", "the timed-out command is gone from the node");
});

test("upload, start, readProc, logs and signal work over SSH, and the started server is reachable at the node's address", { skip }, async () => {
  const node = cluster.nodes[2];
  const executor = executors[2];
  const script = join(folder, "server.cjs");
  await writeFile(script, `const keep = Buffer.alloc(16 << 20, 1);\nrequire("node:net").createServer((s) => s.end("hi")).listen(7000, process.env.HOST, () => console.log("listening on", process.env.HOST, keep.length));\n`);
  await executor.upload(script, "bin/server.cjs");
  assert.equal(readFileSync(join(node.workDir, "bin/server.cjs"), "utf8"), readFileSync(script, "utf8"));

  const proc = await executor.start("server", ["node", "bin/server.cjs"], { HOST: node.host });
  assert.equal(proc.pidPath, join(node.workDir, "server.pid"));
  assert.equal((await readFile(proc.pidPath, "utf8")).trim(), String(proc.pid));
  await waitForPort(node.host, 7000, 10_000);
  assert.match(await executor.logs(proc.logPath), new RegExp(`listening on ${node.host} 16777216`));

  const [running, missing] = await executor.readProc([proc.pid, 4_000_000]);
  // This failed once in many runs (the server had logged that it listened); say what the node saw if it does again.
  if (!running.alive) {
    const seen = await executor.exec(`cat /proc/${proc.pid}/stat; ps -eo pid,ppid,pgid,sid,stat,args | grep '[s]erver.cjs'; cat ${proc.logPath}`);
    assert.fail(`the started server (pid ${proc.pid}) is not alive by readProc; the node shows:\n${seen.stdout}${seen.stderr}`);
  }
  assert.ok(running.rssBytes > 16 << 20, `RSS ${running.rssBytes} includes the 16 MB buffer`);
  assert.ok(running.cpuSeconds > 0);
  assert.deepEqual(missing, { pid: 4_000_000, alive: false, rssBytes: 0, cpuSeconds: 0 });

  await executor.signal(proc.pid, "SIGKILL");
  const deadline = Date.now() + 5000;
  while ((await executor.readProc([proc.pid]))[0].alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await executor.readProc([proc.pid]))[0].alive, false);
  await assert.rejects(executor.signal(4_000_000, "SIGTERM"), (error: NodeError) => error.code === "ESRCH" && /^node3 .*: kill -s SIGTERM 4000000 failed: no such process/.test(error.message));
  await assert.rejects(executor.start("nothing", ["/no/such/program"]), /node3 .*: start nothing failed \(exit 127\): cannot run \/no\/such\/program: not found/);
});

test("a key the node does not accept gives an authentication error naming the node", { skip }, async () => {
  const wrongKey = join(folder, "wrong_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", wrongKey]);
  const node = variant(3, (n) => ({ transport: { ...(n.transport as Extract<NodeConfig["transport"], { kind: "ssh" }>), privateKeyPath: wrongKey } }));
  const executor = new SshExecutor(node, { connectTimeoutMs: 5000 });
  try {
    await assert.rejects(executor.exec("true"), (error: NodeError) => {
      assert.equal(error.code, "EAUTH");
      assert.match(error.message, new RegExp(`^node4 \\(${subnet.replace(/\./g, "\\.")}\\.14\\): ssh authentication failed for root`));
      return true;
    });
  } finally {
    await executor.close();
  }
});

test("an address in the subnet with no namespace behind it fails within the connect timeout, naming the node", { skip }, async () => {
  const node = variant(4, () => ({ name: "node9", host: `${subnet}.99`, sshHost: `${subnet}.99` }));
  const executor = new SshExecutor(node, { connectTimeoutMs: 1500 });
  const began = Date.now();
  try {
    await assert.rejects(executor.exec("true"), new RegExp(`^NodeError: node9 \\(${subnet.replace(/\./g, "\\.")}\\.99\\): ssh connect failed: `));
  } finally {
    await executor.close();
  }
  assert.ok(Date.now() - began < 4000, `failed after ${Date.now() - began} ms`);
});

test("strict host key checking refuses an unknown host, and accept-new records it and connects", { skip }, async () => {
  const transport = cluster.nodes[0].transport as Extract<NodeConfig["transport"], { kind: "ssh" }>;
  const knownHosts = join(folder, "fresh_known_hosts");
  const strict = new SshExecutor(variant(0, () => ({ transport: { ...transport, knownHostsPath: knownHosts, hostKeyCheck: "strict" } })));
  await assert.rejects(strict.exec("true"), (error: NodeError) => error.code === "EHOSTKEY" && /^node1 .*: ssh host key check failed: cannot read .*fresh_known_hosts: ENOENT/.test(error.message));
  await strict.close();

  const acceptNew = new SshExecutor(variant(0, () => ({ transport: { ...transport, knownHostsPath: knownHosts, hostKeyCheck: "accept-new" } })));
  assert.equal((await acceptNew.exec("echo ok")).stdout, "ok\n");
  await acceptNew.close();
  const hostKey = readFileSync(`${sshdFiles(cluster.netns!, `${tag}n1`).hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  assert.equal(readFileSync(knownHosts, "utf8"), `${cluster.nodes[0].sshHost} ${hostKey}\n`);

  // Another node's key recorded under node1's address is what a man-in-the-middle looks like.
  const otherKey = readFileSync(`${sshdFiles(cluster.netns!, `${tag}n2`).hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
  await writeFile(knownHosts, `${cluster.nodes[0].sshHost} ${otherKey}\n`);
  const fooled = new SshExecutor(variant(0, () => ({ transport: { ...transport, knownHostsPath: knownHosts, hostKeyCheck: "accept-new" } })));
  await assert.rejects(fooled.exec("true"), /node1 .*: ssh host key check failed: the ssh-ed25519 key offered differs/);
  await fooled.close();
});

test("the cluster CLI refuses to run without root, saying why", { skip }, async () => {
  const cli = join(projectRoot, "harness/cluster/cli.ts");
  const result = await execa("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", process.execPath, "--import", "tsx", cli, "down", "netns"], { reject: false, cwd: projectRoot });
  assert.equal(result.exitCode, 1);
  assert.match(String(result.stderr), /cluster down netns must run as root \(found uid 65534\)/);
});

test("down kills processes started over SSH and leaves no namespace, veth, bridge or sshd; up then refuses a partial cluster", { skip }, async () => {
  const sleeper = await executors[4].start("sleeper", ["sleep", "600"]);
  assert.equal((await executors[4].readProc([sleeper.pid]))[0].alive, true);
  await Promise.all(executors.map((executor) => executor.close()));
  executors = [];

  const began = performance.now();
  await netnsDown(cluster);
  console.log(`# netns down: ${Math.round(performance.now() - began)} ms`);
  assert.equal(leftovers(), "");
  assert.ok(!existsSync(`/proc/${sleeper.pid}/cmdline`) || readFileSync(`/proc/${sleeper.pid}/stat`, "utf8").split(") ")[1].startsWith("Z"), "the sleeper is dead");

  // A partial cluster (as a crashed up leaves it): up refuses, down removes it.
  execFileSync("ip", ["link", "add", `${tag}br`, "type", "bridge"]);
  execFileSync("ip", ["netns", "add", `${tag}n2`]);
  await assert.rejects(netnsUp(cluster), /cluster t is partly up \(bridge present; .*node2: namespace ct\d+n2 present.*\); run `npm run cluster -- down t` first/);
  await netnsDown(cluster);
  assert.equal(leftovers(), "");
  await netnsDown(cluster);
});
