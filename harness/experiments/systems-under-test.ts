/**
 * The systems an experiment measures, brought up on a cluster: our three modes through the
 * deploy helper's deploy(), and native memcached as 15 processes placed like plain mode
 * (`memcached -u root -t 1`), for comparison. Each comes with the executors that read its
 * processes' /proc and logs, and a teardown that leaves nothing running.
 */
import { createServer } from "node:net";
import { closeExecutors, createExecutors, loadCluster, processFiles, type ClusterConfig, type Executor, type ProcStats } from "../cluster/index.ts";
import { place } from "../deploy/placement.ts";
import type { DeployOptions, Deployment, ProcessInfo } from "../deploy/types.ts";
import type { Mode } from "../../systems/routing/router.ts";
import { targetsFromEndpoints, targetsFromProcessTable, type Targets } from "../../workloads/src/binding/targets.ts";
import { nativeMemcachedVersion } from "./environment.ts";
import { readServerStats, type ServerStats } from "./server-stats.ts";

export type SystemName = Mode | "memcached";
export const ourModes: readonly Mode[] = ["plain", "pbr", "cocytus"];

export interface SystemUnderTest {
  system: SystemName;
  cluster: ClusterConfig;
  processes: ProcessInfo[];
  /** Where the driver sends each key. */
  targets: Targets;
  /** RSS and CPU of every process, read through the node executors. */
  readProc(): Promise<Map<string, ProcStats>>;
  /** `stats` of every process, by process id. */
  readStats(): Promise<Map<string, ServerStats>>;
  /** The tail of every process's log, by process id (best effort). */
  logs(): Promise<Record<string, string>>;
  teardown(): Promise<void>;
}

export interface BringUpOptions {
  cluster: string;
  /** Memory reservation per process, MB (our --memory, memcached's -m). */
  memoryMb: number;
}

/** The deploy helper's entry point (harness/deploy/deploy.ts), loaded when first needed. */
type DeployFunction = (options: DeployOptions) => Promise<Deployment>;

async function loadDeploy(): Promise<DeployFunction> {
  // A computed specifier: the module is another helper's work and may not exist yet.
  const specifier = ["..", "deploy", "deploy.ts"].join("/");
  let module: { deploy?: unknown };
  try {
    module = (await import(specifier)) as { deploy?: unknown };
  } catch (error) {
    throw new Error(`cannot deploy our server: harness/deploy/deploy.ts could not be loaded (${(error as Error).message.split("\n")[0]}); it is built by the deploy part`);
  }
  if (typeof module.deploy !== "function") throw new Error("harness/deploy/deploy.ts: expected an exported function deploy(options), found none");
  return module.deploy as DeployFunction;
}

/** Brings a system up; on failure nothing of it is left running. */
export async function bringUp(system: SystemName, options: BringUpOptions): Promise<SystemUnderTest> {
  const cluster = loadCluster(options.cluster);
  return system === "memcached" ? startNativeMemcachedCluster(cluster, options.memoryMb) : deployMode(system, cluster, options.memoryMb);
}

async function deployMode(mode: Mode, cluster: ClusterConfig, memoryMb: number): Promise<SystemUnderTest> {
  const deploy = await loadDeploy();
  const deployment = await deploy({ mode, cluster: cluster.name, memoryMb });
  let targets: Targets;
  try {
    targets = targetsFromProcessTable(deployment.processes, {}, `${mode} deployment`);
  } catch (error) {
    await deployment.teardown();
    throw error;
  }
  const executors = createExecutors(cluster);
  return withExecutors(mode, cluster, deployment.processes, targets, executors, async () => {
    try {
      await deployment.teardown();
    } finally {
      await closeExecutors(executors);
    }
  });
}

function withExecutors(system: SystemName, cluster: ClusterConfig, processes: ProcessInfo[], targets: Targets, executors: Executor[], teardown: () => Promise<void>): SystemUnderTest {
  let tornDown = false;
  return {
    system,
    cluster,
    processes,
    targets,
    async readProc() {
      const found = new Map<string, ProcStats>();
      for (const executor of executors) {
        const own = processes.filter((p) => p.node === executor.node.index);
        if (own.length === 0) continue;
        const stats = await executor.readProc(own.map((p) => p.pid));
        own.forEach((p, i) => found.set(p.id, stats[i]));
      }
      const dead = processes.filter((p) => !found.get(p.id)?.alive);
      if (dead.length > 0) throw new Error(`${system}: ${dead.length} process(es) not running: ${dead.slice(0, 5).map((p) => `${p.id} (pid ${p.pid} on node ${p.node})`).join(", ")}`);
      return found;
    },
    async readStats() {
      const entries = await Promise.all(processes.map(async (p) => [p.id, await readServerStats(p.host, p.port)] as const));
      return new Map(entries);
    },
    async logs() {
      const out: Record<string, string> = {};
      for (const p of processes) {
        const executor = executors[p.node];
        try {
          out[p.id] = await executor.logs(processFiles(executor.node, p.id).logPath, 16 * 1024);
        } catch (error) {
          out[p.id] = `(no log: ${(error as Error).message})`;
        }
      }
      return out;
    },
    async teardown() {
      if (tornDown) return;
      tornDown = true;
      await teardown();
    },
  };
}

/** Native memcached processes per node and process count: as plain mode (3 per node, 15 on 5 nodes). */
async function startNativeMemcachedCluster(cluster: ClusterConfig, memoryMb: number): Promise<SystemUnderTest> {
  if ((await nativeMemcachedVersion()) === undefined) throw new Error("native memcached is not installed (Debian package memcached)");
  const basePort = await freeBasePort(cluster);
  const placement = place(cluster.nodes, { mode: "plain", basePort });
  const executors = createExecutors(cluster);
  const started: ProcessInfo[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((p) => stopProcess(executors[p.node], p.pid)));
    await closeExecutors(executors);
  };
  try {
    for (const placed of placement.processes) {
      const id = placed.id.replace(/^plain-/, "memcached-");
      const executor = executors[placed.node];
      const argv = ["memcached", "-u", "root", "-l", placed.host, "-p", String(placed.port), "-U", "0", "-m", String(memoryMb), "-t", "1", "-c", "4096"];
      const process = await executor.start(id, argv);
      started.push({ ...placed, id, pid: process.pid });
    }
    await Promise.all(started.map((p) => waitForStats(p.host, p.port, 10_000)));
  } catch (error) {
    await stopAll();
    throw new Error(`native memcached on cluster ${cluster.name}: ${(error as Error).message}`);
  }
  const targets = targetsFromEndpoints(
    started.map((p) => ({ host: p.host, port: p.port })),
    { mode: "plain", groups: started.length },
  );
  return withExecutors("memcached", cluster, started, targets, executors, stopAll);
}

async function waitForStats(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await readServerStats(host, port, 1000);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${host}:${port} did not answer stats within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** SIGTERM, then SIGKILL if the process is still there after 3 s. */
async function stopProcess(executor: Executor, pid: number): Promise<void> {
  await executor.signal(pid, "SIGTERM").catch(() => undefined);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const [stats] = await executor.readProc([pid]);
    if (!stats?.alive) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await executor.signal(pid, "SIGKILL").catch(() => undefined);
}

/**
 * A base port whose placement ports are all free: the cluster's own on remote clusters, and on the
 * local cluster the first of basePort + 1000, + 1100, ... whose ports can all be bound (other
 * deployments may be running on the same loopback addresses).
 */
async function freeBasePort(cluster: ClusterConfig): Promise<number> {
  if (cluster.nodes.some((node) => node.transport.kind !== "local")) return cluster.basePort;
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = cluster.basePort + 1000 + attempt * 100;
    const placed = place(cluster.nodes, { mode: "plain", basePort: base }).processes;
    const free = await Promise.all(placed.map((p) => canBind(p.host, p.port)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free block of ports for native memcached above ${cluster.basePort + 1000} on cluster ${cluster.name}`);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
