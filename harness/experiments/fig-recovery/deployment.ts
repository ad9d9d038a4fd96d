/**
 * A deployment a fault run can kill nodes of: deploy() with extra server flags (e.g. `--recovery
 * blocked`), on a block of free ports, recorded in a private state file. The DeploymentHandle it
 * returns injects faults the way `npx harness kill node N` does (and logs them with their time).
 */
import { createServer } from "node:net";
import { loadCluster, type ClusterConfig } from "../../cluster/index.ts";
import { deploy } from "../../deploy/deploy.ts";
import type { DeploymentHandle } from "../../deploy/handle.ts";
import { place } from "../../deploy/placement.ts";
import type { Mode } from "../../../systems/routing/router.ts";

export interface FaultDeployOptions {
  mode: Mode;
  cluster: string;
  /** The clusters.yaml to read (the project's by default; tests pass their own). */
  clustersFile?: string;
  memoryMb: number;
  serverArgs: string[];
  statePath: string;
  signal: AbortSignal;
}

export async function deployForFaults(options: FaultDeployOptions): Promise<DeploymentHandle> {
  const cluster = loadCluster(options.cluster, options.clustersFile);
  return deploy({
    mode: options.mode,
    cluster: cluster.name,
    ...(options.clustersFile ? { clustersFile: options.clustersFile } : {}),
    memoryMb: options.memoryMb,
    serverArgs: options.serverArgs,
    basePort: await freeBasePort(cluster, options.mode),
    statePath: options.statePath,
    signal: options.signal,
    handleSignals: false,
    launcher: "bundle",
  });
}

/**
 * The cluster's own base port on remote clusters; on this machine the first block above it whose
 * client and peer ports can all be bound (tests and other runs may hold the cluster's own).
 * systems-under-test.ts has the same search for bringUp(), which takes no server flags.
 */
async function freeBasePort(cluster: ClusterConfig, mode: Mode): Promise<number> {
  if (cluster.nodes.some((node) => node.transport.kind !== "local")) return cluster.basePort;
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = cluster.basePort + 5000 + attempt * 200;
    const ports = place(cluster.nodes, { mode, basePort: base }).processes.flatMap((p) => [{ host: p.host, port: p.port }, ...(p.peerPort ? [{ host: p.host, port: p.peerPort }] : [])]);
    if ((await Promise.all(ports.map((p) => canBind(p.host, p.port)))).every(Boolean)) return base;
  }
  throw new Error(`no free block of ports for ${mode} above ${cluster.basePort + 5000} on cluster ${cluster.name}`);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
