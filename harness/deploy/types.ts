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
