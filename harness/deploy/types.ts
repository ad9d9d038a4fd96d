import type { Mode } from "../../systems/routing/router.ts";

/** A role a server process plays. */
export type Role = "plain" | "primary" | "backup" | "data" | "parity";

/** One row of the process table `npx harness up` prints as JSON (the contract). */
export interface ProcessInfo {
  /** Stable id, e.g. "plain-7", "pbr-g3-backup1", "cocytus-g2-data1". */
  id: string;
  node: number;
  role: Role;
  group: number;
  /** plain: 0; pbr: 0 primary, 1..2 backups; cocytus: 0..k-1 data, k..k+m-1 parity. */
  index: number;
  host: string;
  port: number;
  /** Port for peer traffic (replication, parity updates, recovery, heartbeats); absent in plain. */
  peerPort?: number;
  pid: number;
}

export interface DeployOptions {
  mode: Mode;
  /** Name in clusters.yaml; "local" by default. */
  cluster?: string;
  /** Cocytus coding parameters, RS(k, m). */
  k?: number;
  m?: number;
  /** Data-area reservation per process, MB. */
  memoryMb?: number;
  /** Extra server flags (e.g. ["--recovery", "blocked"]). */
  serverArgs?: string[];
  /** plain: process count; pbr, cocytus: group count (defaults: 3 per node, 3 per node, 1 per node). */
  groups?: number;
  /** clusters.yaml to read (the project's by default). */
  clustersFile?: string;
  /** First port on each node, overriding the cluster's basePort. */
  basePort?: number;
  /** The harness state file (default `$HARNESS_STATE` or `.harness/state.json`). */
  statePath?: string;
  /** How long every process together may take to answer `version` (default 60 s). */
  readyTimeoutMs?: number;
  /** SSH connect + handshake limit per node (default 10 s). */
  connectTimeoutMs?: number;
  /** Aborting tears down what was started and rejects. */
  signal?: AbortSignal;
  /** Tear down and reject on SIGINT/SIGTERM while deploying (default true). */
  handleSignals?: boolean;
  /**
   * How nodes run the server: "bundle" (dist/server.mjs uploaded to each workDir) or "tsx"
   * (systems/server/main.ts from this checkout; this machine's nodes only). Default: bundle.
   */
  launcher?: "bundle" | "tsx";
  /** Progress lines ("building", "starting 15 processes", ...), e.g. for the CLI's stderr. */
  onProgress?: (message: string) => void;
}

/** A running deployment; teardown() leaves nothing running on any node. */
export interface Deployment {
  mode: Mode;
  clusterName: string;
  k: number;
  m: number;
  /** Number of processes (plain) or groups (pbr, cocytus) keys are routed over. */
  groups: number;
  processes: ProcessInfo[];
  teardown(): Promise<void>;
}
