/**
 * The harness's state file (default `.harness/state.json`): what is deployed where, so that separate
 * CLI invocations (`up`, `status`, `kill`, `down`, `proxy`) and experiments see the same deployment.
 * It is written before the first process starts and after each one, so `down` works after a crashed `up`.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { projectRoot } from "../cluster/config.ts";
import type { Mode, RoutingShape } from "../../systems/routing/router.ts";
import type { ProcessInfo } from "./types.ts";

/** A process table row plus where its pidfile and log live on its node. */
export interface DeployedProcess extends ProcessInfo {
  pidPath: string;
  logPath: string;
}

/** One fault the harness injected (kill, pause, resume), for the experiment's record. */
export interface FaultRecord {
  /** ISO time the signal was sent. */
  at: string;
  action: "kill" | "pause" | "resume";
  signal: NodeJS.Signals;
  /** What the user named: "node 2" or a process id. */
  target: string;
  processes: { id: string; node: number; pid: number; result: "sent" | "gone" }[];
}

export interface DeploymentState {
  version: 1;
  /** Random id; every server process carries it in its environment (HARNESS_DEPLOYMENT) so cleanup never kills a stranger. */
  deploymentId: string;
  status: "starting" | "up";
  cluster: string;
  /** The clusters.yaml the deployment was made from. */
  clustersFile: string;
  mode: Mode;
  k: number;
  m: number;
  groups: number;
  shape: RoutingShape;
  memoryMb?: number;
  startedAt: string;
  upAt?: string;
  /** Started processes (during "starting", only those started so far). */
  processes: DeployedProcess[];
  faults: FaultRecord[];
}

/** The environment variable that marks a server process as started by the harness. */
export const DEPLOYMENT_ENV = "HARNESS_DEPLOYMENT";

/** `$HARNESS_STATE` if set, else `<project>/.harness/state.json`. */
export function defaultStatePath(): string {
  return process.env.HARNESS_STATE ?? join(projectRoot, ".harness", "state.json");
}

/** The state, or undefined when nothing is deployed. A corrupt file is an error that names it. */
export function readState(path = defaultStatePath()): DeploymentState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${path}: cannot read the harness state: ${(error as Error).message}`);
  }
  let state: DeploymentState;
  try {
    state = JSON.parse(text) as DeploymentState;
  } catch (error) {
    throw new Error(`${path}: the harness state is not valid JSON (${(error as Error).message}); remove it after checking no server is left running`);
  }
  if (state.version !== 1 || !Array.isArray(state.processes)) throw new Error(`${path}: expected harness state version 1 with a processes list, found version ${JSON.stringify(state.version)}`);
  return state;
}

/** Writes the state atomically (temp file + rename), so a reader never sees half a file. */
export function writeState(state: DeploymentState, path = defaultStatePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, path);
}

export function clearState(path = defaultStatePath()): void {
  rmSync(path, { force: true });
}

/** The process table row of the contract (no pidfile or log paths). */
export function tableRow(p: DeployedProcess): ProcessInfo {
  const row: ProcessInfo = { id: p.id, node: p.node, role: p.role, group: p.group, index: p.index, host: p.host, port: p.port, pid: p.pid };
  if (p.peerPort !== undefined) row.peerPort = p.peerPort;
  return row;
}
