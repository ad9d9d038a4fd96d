/**
 * Clusters and the executors that run commands on their nodes.
 * clusters.yaml (the contract) is parsed into ClusterConfig by harness/cluster/config.ts.
 */

/** How the harness reaches a node. */
export type NodeTransport =
  | { kind: "local" }
  | { kind: "ssh"; user: string; port: number; privateKeyPath: string; knownHostsPath?: string; hostKeyCheck: "strict" | "accept-new" | "off" };

export interface NodeConfig {
  /** Position in the node list, 0-based; placement uses it. */
  index: number;
  /** Name shown in tables and errors (e.g. "node1"). */
  name: string;
  /** Address the node's servers listen on and clients connect to. */
  host: string;
  /** Address the harness uses to reach the node over SSH (defaults to host). */
  sshHost: string;
  transport: NodeTransport;
  /** Working folder on the node: the bundled server, pidfiles and logs go here. */
  workDir: string;
  /** Network namespace for `netns` clusters (managed by `npm run cluster -- up netns`). */
  netns?: string;
}

export interface ClusterConfig {
  name: string;
  nodes: NodeConfig[];
  /** First port used on each node; placement assigns base, base+1, ... without clashes. */
  basePort: number;
  /** The node program: "node" on PATH unless configured. */
  nodeBinary: string;
  /** Present for a namespace cluster: what `npm run cluster -- up NAME` creates. */
  netns?: NetnsSettings;
}

/** The bridge and state folder of a network-namespace cluster (the nodes carry their namespace names). */
export interface NetnsSettings {
  /** Bridge in the root namespace that every namespace's veth joins. */
  bridge: string;
  /** The bridge's own address with the subnet's prefix length, e.g. "10.213.0.1/24". */
  bridgeAddress: string;
  /** Absolute folder for keys, sshd configs and pidfiles. */
  stateDir: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A process started on a node by an executor. */
export interface StartedProcess {
  pid: number;
  /** Log file on the node (stdout and stderr). */
  logPath: string;
  pidPath: string;
}

export interface ProcStats {
  pid: number;
  alive: boolean;
  /** Resident set size in bytes (VmRSS from /proc/PID/status). */
  rssBytes: number;
  /** User + system CPU time in seconds (from /proc/PID/stat). */
  cpuSeconds: number;
}

/**
 * One interface for every way of running things on a node: local (execa) and SSH (ssh2).
 * Every method rejects with an Error that names the node and what failed.
 */
export interface Executor {
  readonly node: NodeConfig;
  /** Runs a shell command to completion on the node. */
  exec(command: string, options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Copies a local file to the node (SFTP for SSH). */
  upload(localPath: string, remotePath: string): Promise<void>;
  /** Starts a long-running process detached, with a pidfile and a log file under workDir. */
  start(name: string, argv: string[], env?: Record<string, string>): Promise<StartedProcess>;
  /** Sends a signal (e.g. "SIGKILL", "SIGSTOP", "SIGCONT", "SIGTERM") to a pid on the node. */
  signal(pid: number, signal: NodeJS.Signals): Promise<void>;
  /** RSS and CPU time of pids on the node, read from /proc. */
  readProc(pids: number[]): Promise<ProcStats[]>;
  /** The text of a log file on the node (the last `maxBytes`). */
  logs(logPath: string, maxBytes?: number): Promise<string>;
  /** Releases connections. */
  close(): Promise<void>;
}
