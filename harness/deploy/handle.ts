import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RoutingShape } from "../../systems/routing/router.ts";
import { loadCluster } from "../cluster/config.ts";
import { closeExecutors, createExecutors } from "../cluster/executors.ts";
import type { ClusterConfig, Executor } from "../cluster/types.ts";
import { killServers, type NodeCleanup } from "./cleanup.ts";
import { clearState, defaultStatePath, readState, tableRow, writeState, type DeployedProcess, type DeploymentState, type FaultRecord } from "./state.ts";
import type { Deployment, ProcessInfo } from "./types.ts";

/** Fault actions and the signal each sends. */
export const FAULT_SIGNALS = { kill: "SIGKILL", pause: "SIGSTOP", resume: "SIGCONT" } as const satisfies Record<FaultRecord["action"], NodeJS.Signals>;

/** What a fault hits: every process on a node (the process table's `node` column) or one process. */
export type FaultTarget = { node: number } | { processId: string };

/** `node N` → a node; a single word → a process id. */
export function parseFaultTarget(words: string[]): FaultTarget {
  if (words.length === 2 && words[0] === "node") {
    if (!/^\d+$/.test(words[1])) throw new Error(`node must be a node number (the process table's node column), found ${JSON.stringify(words[1])}`);
    return { node: Number(words[1]) };
  }
  if (words.length === 1 && words[0] !== "node") return { processId: words[0] };
  throw new Error(`expected \`node N\` or one process id, found ${JSON.stringify(words.join(" "))}`);
}

export interface ProcessStatus extends ProcessInfo {
  alive: boolean;
  rssBytes: number;
  cpuSeconds: number;
}

/**
 * A running deployment and the executors that reach its nodes: status, faults, logs, teardown.
 * deploy() returns one; `DeploymentHandle.open()` rebuilds one from the state file (the CLI's way).
 */
export class DeploymentHandle implements Deployment {
  constructor(
    private state: DeploymentState,
    readonly cluster: ClusterConfig,
    readonly executors: Executor[],
    readonly statePath: string,
  ) {}

  /** The deployment recorded in the state file, or undefined if there is none. */
  static open(statePath = defaultStatePath()): DeploymentHandle | undefined {
    const state = readState(statePath);
    if (!state) return undefined;
    const cluster = loadCluster(state.cluster, state.clustersFile);
    return new DeploymentHandle(state, cluster, createExecutors(cluster, { connectTimeoutMs: 5000 }), statePath);
  }

  get mode() {
    return this.state.mode;
  }
  get clusterName() {
    return this.state.cluster;
  }
  get k() {
    return this.state.k;
  }
  get m() {
    return this.state.m;
  }
  get groups() {
    return this.state.groups;
  }
  get shape(): RoutingShape {
    return this.state.shape;
  }
  get deploymentId(): string {
    return this.state.deploymentId;
  }
  /** The process table (the contract's rows). */
  get processes(): ProcessInfo[] {
    return this.state.processes.map(tableRow);
  }
  /** Rows with each process's pidfile and log path on its node. */
  get deployedProcesses(): readonly DeployedProcess[] {
    return this.state.processes;
  }
  get faults(): readonly FaultRecord[] {
    return this.state.faults;
  }

  /** Liveness, RSS and CPU time of every process, read from /proc through each node's executor. */
  async status(): Promise<ProcessStatus[]> {
    const byNode = this.byNode();
    const rows = new Map<string, ProcessStatus>();
    await Promise.all(
      [...byNode].map(async ([node, list]) => {
        const stats = await this.executors[node].readProc(list.map((p) => p.pid));
        list.forEach((p, i) => rows.set(p.id, { ...tableRow(p), alive: stats[i].alive, rssBytes: stats[i].rssBytes, cpuSeconds: stats[i].cpuSeconds }));
      }),
    );
    return this.state.processes.map((p) => rows.get(p.id)!);
  }

  /** The processes a target names; an unknown node or process is an error that lists what exists. */
  resolve(target: FaultTarget): DeployedProcess[] {
    if ("node" in target) {
      const n = this.cluster.nodes.length;
      if (!Number.isInteger(target.node) || target.node < 0 || target.node >= n) {
        throw new Error(`node must be a node number 0..${n - 1} (${this.cluster.nodes.map((node) => `${node.index} = ${node.name}`).join(", ")}), found ${JSON.stringify(target.node)}`);
      }
      return this.state.processes.filter((p) => p.node === target.node);
    }
    const p = this.state.processes.find((candidate) => candidate.id === target.processId);
    if (!p) throw new Error(`no process ${JSON.stringify(target.processId)} in the deployment; ids look like ${this.state.processes.slice(0, 3).map((x) => x.id).join(", ")}, …`);
    return [p];
  }

  /**
   * Sends kill (SIGKILL), pause (SIGSTOP) or resume (SIGCONT) to the target's processes and appends
   * the fault, with its time, to the state file's fault log. A process already gone is recorded as "gone".
   */
  async inject(action: FaultRecord["action"], target: FaultTarget): Promise<FaultRecord> {
    const victims = this.resolve(target);
    const signal = FAULT_SIGNALS[action];
    const at = new Date().toISOString();
    const processes = await Promise.all(
      victims.map(async (p) => {
        try {
          await this.executors[p.node].signal(p.pid, signal);
          return { id: p.id, node: p.node, pid: p.pid, result: "sent" as const };
        } catch (error) {
          if ((error as { code?: string }).code === "ESRCH") return { id: p.id, node: p.node, pid: p.pid, result: "gone" as const };
          throw error;
        }
      }),
    );
    const record: FaultRecord = { at, action, signal, target: "node" in target ? `node ${target.node}` : target.processId, processes };
    // Another CLI invocation may have written faults since this handle was opened.
    const latest = readState(this.statePath) ?? this.state;
    latest.faults.push(record);
    writeState(latest, this.statePath);
    this.state = latest;
    return record;
  }

  /** Copies every process's log into `<dir>/<process id>.log` (for a run folder). */
  async collectLogs(dir: string): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    return Promise.all(
      this.state.processes.map(async (p) => {
        const path = join(dir, `${p.id}.log`);
        let text: string;
        try {
          text = await this.executors[p.node].logs(p.logPath, 16 * 1024 * 1024);
        } catch (error) {
          text = `(log not collected: ${(error as Error).message})\n`;
        }
        await writeFile(path, text);
        return path;
      }),
    );
  }

  /** Kills every process on every node, removes the state file and closes connections. Idempotent. */
  async teardown(): Promise<void> {
    const pids = new Map<number, number[]>();
    for (const [node, list] of this.byNode()) pids.set(node, list.map((p) => p.pid));
    const report = await killServers(this.executors, pids, this.state.deploymentId);
    await closeExecutors(this.executors);
    throwIfFailed(report);
    clearState(this.statePath);
  }

  /**
   * Until the returned function is called, Ctrl-C (SIGINT) or SIGTERM tears the deployment down and
   * then exits (130 / 143): for experiments, so an interrupted run leaves nothing behind.
   */
  teardownOnSignals(): () => void {
    let tearingDown = false;
    const onSignal = (signal: NodeJS.Signals) => {
      // A second Ctrl-C must not cut the teardown short: the handler stays and ignores it.
      if (tearingDown) return;
      tearingDown = true;
      process.stderr.write(`${signal}: tearing down the ${this.mode} deployment on ${this.clusterName}\n`);
      this.teardown()
        .catch((error: Error) => process.stderr.write(`${error.message}\n`))
        .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    const uninstall = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    return uninstall;
  }

  /** Closes connections to the nodes and leaves the processes running (the CLI's `up` ends this way). */
  async release(): Promise<void> {
    await closeExecutors(this.executors);
  }

  private byNode(): Map<number, DeployedProcess[]> {
    const byNode = new Map<number, DeployedProcess[]>();
    for (const p of this.state.processes) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
    return byNode;
  }
}

/** One error listing every node that could not be cleaned, after all were tried. */
export function throwIfFailed(report: NodeCleanup[]): void {
  const errors = report.filter((r) => r.error).map((r) => r.error);
  if (errors.length > 0) throw new Error(`teardown incomplete; run \`npx harness down\` again once the nodes are reachable:\n  ${errors.join("\n  ")}`);
}
