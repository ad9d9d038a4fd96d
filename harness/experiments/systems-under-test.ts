/**
 * The systems an experiment measures, brought up on a cluster: our three modes through the
 * deploy part's deploy(), and native memcached as 15 processes placed like plain mode
 * (`memcached -u root -t 1`), for comparison. Each comes with RSS readings of its processes
 * (through the node executors), `stats`, logs, and a teardown that leaves nothing running.
 */
import { createServer } from "node:net";
import { closeExecutors, createExecutors, loadCluster, type ClusterConfig, type Executor, type ProcStats } from "../cluster/index.ts";
import { deploy } from "../deploy/deploy.ts";
import { place } from "../deploy/placement.ts";
import type { ProcessInfo } from "../deploy/types.ts";
import type { Mode, RoutingShape } from "../../systems/routing/router.ts";
import { nativeMemcachedVersion } from "./environment.ts";
import { readServerStats, type ServerStats } from "./server-stats.ts";

export type SystemName = Mode | "memcached";

export interface SystemUnderTest {
  system: SystemName;
  cluster: ClusterConfig;
  /** The process table (contract rows); the driver routes with it. */
  processes: ProcessInfo[];
  /** Routing for the driver: memcached is routed as plain mode over its processes. */
  routing: RoutingShape;
  /** RSS (bytes) of every process by id, read from /proc through the node executors; throws if one is dead. */
  readRss(): Promise<Map<string, number>>;
  /** CPU time (user + system, seconds) of every process by id; throws if one is dead. */
  readCpu(): Promise<Map<string, number>>;
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
  /** Where deploy() records the deployment (a private file, so that other deployments don't clash). */
  statePath: string;
  /** Aborting stops the bring-up and tears down what was started. */
  signal: AbortSignal;
  /** cocytus: RS(k, m) (default 3, 2). */
  k?: number;
  m?: number;
  /** Extra flags for every server of our modes (native memcached ignores them). */
  serverArgs?: string[];
}

/** Brings a system up; on failure nothing of it is left running. */
export async function bringUp(system: SystemName, options: BringUpOptions): Promise<SystemUnderTest> {
  const cluster = loadCluster(options.cluster);
  return system === "memcached" ? startNativeMemcachedCluster(cluster, options) : deployMode(system, cluster, options);
}

async function deployMode(mode: Mode, cluster: ClusterConfig, options: BringUpOptions): Promise<SystemUnderTest> {
  const basePort = await freeBasePort(cluster, mode);
  // The bundle, as on a real cluster: tsx's start-up transpiling leaves garbage that GC later returns, which is RSS noise.
  const handle = await deploy({ mode, cluster: cluster.name, memoryMb: options.memoryMb, basePort, statePath: options.statePath, signal: options.signal, handleSignals: false, launcher: "bundle", k: options.k, m: options.m, serverArgs: options.serverArgs });
  const processes = handle.processes;
  return {
    system: mode,
    cluster,
    processes,
    routing: handle.shape,
    readRss: async () => new Map((await readProcs(mode, handle.executors, processes)).map((row) => [row.id, row.rssBytes])),
    readCpu: async () => new Map((await readProcs(mode, handle.executors, processes)).map((row) => [row.id, row.cpuSeconds])),
    readStats: () => statsOf(processes),
    async logs() {
      const out: Record<string, string> = {};
      for (const p of handle.deployedProcesses) {
        out[p.id] = await handle.executors[p.node].logs(p.logPath, 8 * 1024).catch((error: Error) => `(no log: ${error.message})`);
      }
      return out;
    },
    teardown: () => handle.teardown(),
  };
}

/** /proc readings of every process through its node's executor; throws naming the processes that are not running. */
async function readProcs(system: string, executors: readonly Executor[], processes: ProcessInfo[]): Promise<(ProcessInfo & ProcStats)[]> {
  const rows: (ProcessInfo & ProcStats)[] = [];
  for (const executor of executors) {
    const own = processes.filter((p) => p.node === executor.node.index);
    if (own.length === 0) continue;
    const stats = await executor.readProc(own.map((p) => p.pid));
    own.forEach((p, i) => rows.push({ ...p, ...stats[i] }));
  }
  const dead = rows.filter((row) => !row.alive);
  if (dead.length > 0) throw new Error(`${system}: ${dead.length} process(es) not running: ${dead.slice(0, 5).map((p) => `${p.id} (pid ${p.pid} on node ${p.node})`).join(", ")}`);
  return rows;
}

async function statsOf(processes: ProcessInfo[]): Promise<Map<string, ServerStats>> {
  return new Map(await Promise.all(processes.map(async (p) => [p.id, await readServerStats(p.host, p.port)] as const)));
}

/** Native memcached, one process per plain-mode slot (3 per node, 15 on 5 nodes), started through the node executors. */
async function startNativeMemcachedCluster(cluster: ClusterConfig, options: BringUpOptions): Promise<SystemUnderTest> {
  if ((await nativeMemcachedVersion()) === undefined) throw new Error("native memcached is not installed (Debian package memcached)");
  const basePort = await freeBasePort(cluster, "plain");
  const placement = place(cluster.nodes, { mode: "plain", basePort });
  const executors = createExecutors(cluster);
  const started: (ProcessInfo & { logPath: string })[] = [];
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled(started.map((p) => stopProcess(executors[p.node], p.pid)));
    await closeExecutors(executors);
  };
  try {
    for (const placed of placement.processes) {
      options.signal.throwIfAborted();
      const id = placed.id.replace(/^plain-/, "memcached-");
      const argv = ["memcached", "-u", "root", "-l", placed.host, "-p", String(placed.port), "-U", "0", "-m", String(options.memoryMb), "-t", "1", "-c", "4096"];
      const process = await executors[placed.node].start(id, argv);
      started.push({ ...placed, id, pid: process.pid, logPath: process.logPath });
    }
    await Promise.all(started.map((p) => waitForStats(p.host, p.port, 10_000, options.signal)));
  } catch (error) {
    await stopAll();
    throw new Error(`native memcached on cluster ${cluster.name}: ${(error as Error).message}`);
  }
  const processes: ProcessInfo[] = started.map(({ logPath: _logPath, ...row }) => row);
  return {
    system: "memcached",
    cluster,
    processes,
    routing: { mode: "plain", groups: processes.length },
    readRss: async () => new Map((await readProcs("memcached", executors, processes)).map((row) => [row.id, row.rssBytes])),
    readCpu: async () => new Map((await readProcs("memcached", executors, processes)).map((row) => [row.id, row.cpuSeconds])),
    readStats: () => statsOf(processes),
    async logs() {
      const out: Record<string, string> = {};
      for (const p of started) out[p.id] = await executors[p.node].logs(p.logPath, 8 * 1024).catch((error: Error) => `(no log: ${error.message})`);
      return out;
    },
    teardown: stopAll,
  };
}

async function waitForStats(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    try {
      await readServerStats(host, port, 1000);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${host}:${port} did not answer stats within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** SIGTERM, then SIGKILL if the process is still there after 3 s; returns once it is gone (or 2 s after the SIGKILL). */
async function stopProcess(executor: Executor, pid: number): Promise<void> {
  await executor.signal(pid, "SIGTERM").catch(() => undefined);
  if (await goneWithin(executor, pid, 3000)) return;
  await executor.signal(pid, "SIGKILL").catch(() => undefined);
  await goneWithin(executor, pid, 2000);
}

async function goneWithin(executor: Executor, pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const [stats] = await executor.readProc([pid]);
    if (!stats?.alive) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * A base port whose placement ports (client and peer) are all free: the cluster's own on remote
 * clusters; on this machine the first of basePort + 1000, + 1200, ... whose ports can all be bound,
 * since tests and other deployments may be using the cluster's own ports on the same addresses.
 */
async function freeBasePort(cluster: ClusterConfig, mode: Mode): Promise<number> {
  if (cluster.nodes.some((node) => node.transport.kind !== "local")) return cluster.basePort;
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = cluster.basePort + 1000 + attempt * 200;
    const placed = place(cluster.nodes, { mode, basePort: base }).processes;
    const ports = placed.flatMap((p) => [{ host: p.host, port: p.port }, ...(p.peerPort ? [{ host: p.host, port: p.peerPort }] : [])]);
    const free = await Promise.all(ports.map((p) => canBind(p.host, p.port)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free block of ports for ${mode} above ${cluster.basePort + 1000} on cluster ${cluster.name}`);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
