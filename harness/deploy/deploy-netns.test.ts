/**
 * Deployment onto a namespace cluster over real SSH (root only): a cluster of this test's own
 * (names and subnet derived from its pid, so a user's `netns` cluster is never touched), torn down
 * at the end, on failure and on Ctrl-C.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadCluster } from "../cluster/config.ts";
import { netnsDown, netnsUp } from "../cluster/netns.ts";
import type { ClusterConfig } from "../cluster/types.ts";
import { deploy } from "./deploy.ts";
import { answersVersion } from "./readiness.ts";
import { processesIn } from "./test-cluster.ts";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root: network namespaces, veths and a bridge need CAP_NET_ADMIN";

const tag = `dt${process.pid % 10000}`;
const subnet = `10.214.${20 + (process.pid % 200)}`;
let folder: string;
let clustersFile: string;
let cluster: ClusterConfig | undefined;

async function teardown(): Promise<void> {
  if (cluster) await netnsDown(cluster);
}

function onSignal(signal: NodeJS.Signals): void {
  void teardown()
    .finally(() => rm(folder, { recursive: true, force: true }))
    .finally(() => process.kill(process.pid, signal));
}

before(async () => {
  if (!isRoot) return;
  folder = await mkdtemp(join(tmpdir(), "deploy-netns-"));
  clustersFile = join(folder, "clusters.yaml");
  const nodes = [1, 2, 3, 4, 5].map((i) => `      - { name: node${i}, host: ${subnet}.${10 + i}, netns: ${tag}n${i} }`).join("\n");
  await writeFile(
    clustersFile,
    `default: t
clusters:
  t:
    transport: ssh
    basePort: 17100
    workDir: ${folder}/work
    ssh: { user: root, key: ${folder}/client_key, knownHosts: ${folder}/known_hosts, hostKeyCheck: strict }
    netns: { bridge: ${tag}br, bridgeAddress: ${subnet}.1/24, stateDir: ${folder} }
    nodes:
${nodes}
`,
  );
  cluster = loadCluster("t", clustersFile);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await netnsUp(cluster);
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

test("plain deploys onto a namespace cluster over SSH from the uploaded bundle, kill node 2 hits only its processes, teardown leaves none", { skip }, async () => {
  const statePath = join(folder, "state.json");
  const began = performance.now();
  const deployment = await deploy({ mode: "plain", cluster: "t", clustersFile, statePath, memoryMb: 16 });
  const upMs = performance.now() - began;
  try {
    assert.equal(deployment.processes.length, 15);
    for (const p of deployment.processes) {
      assert.equal(p.host, `${subnet}.${11 + p.node}`);
      assert.ok(await answersVersion(p.host, p.port), `${p.id} answers version at ${p.host}:${p.port}`);
    }
    assert.ok(existsSync(join(folder, "work", "node3", "server.mjs")), "the bundle was uploaded to the node's workDir");
    assert.ok(existsSync(join(folder, "work", "node3", "node_modules", "@ronomon", "reed-solomon", "package.json")), "the Reed-Solomon addon was shipped beside it");
    await deployment.inject("kill", { node: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const status = await deployment.status();
    assert.deepEqual(status.filter((s) => !s.alive).map((s) => s.id), ["plain-2", "plain-7", "plain-12"]);
  } finally {
    const downBegan = performance.now();
    await deployment.teardown();
    console.log(`netns plain: up ${Math.round(upMs)} ms, down ${Math.round(performance.now() - downBegan)} ms`);
  }
  assert.deepEqual(processesIn(join(folder, "work")), []);
  assert.equal(existsSync(statePath), false);
});
