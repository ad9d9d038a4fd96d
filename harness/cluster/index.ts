/** Clusters (clusters.yaml) and the executors that run things on their nodes. */
export type { ClusterConfig, ExecResult, Executor, NetnsSettings, NodeConfig, NodeTransport, ProcStats, StartedProcess } from "./types.ts";
export { ClusterConfigError, defaultClustersPath, loadCluster, loadClustersFile, parseClustersFile, projectRoot, resolveLocalPath, type ClustersFile } from "./config.ts";
export { closeExecutors, createExecutor, createExecutors } from "./executors.ts";
export { checkHostKey, knownHostsLine, knownHostsName, type HostKeyMatch } from "./known-hosts.ts";
export { LocalExecutor } from "./local-executor.ts";
export { describeState, netnsDown, netnsState, netnsUp, type NetnsState } from "./netns.ts";
export { NodeError, nodeLabel } from "./node-error.ts";
export { nodePath, processFiles } from "./node-paths.ts";
export { parseProcStats } from "./proc-stats.ts";
export { shellQuote, SshExecutor, type SshExecutorOptions } from "./ssh-executor.ts";
