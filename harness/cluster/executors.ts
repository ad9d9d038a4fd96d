import { LocalExecutor } from "./local-executor.ts";
import { SshExecutor, type SshExecutorOptions } from "./ssh-executor.ts";
import type { ClusterConfig, Executor, NodeConfig } from "./types.ts";

/** The executor for a node's transport: local processes, or SSH (connected on first use). */
export function createExecutor(node: NodeConfig, options: SshExecutorOptions = {}): Executor {
  return node.transport.kind === "local" ? new LocalExecutor(node) : new SshExecutor(node, options);
}

/** One executor per node of the cluster, in node order. */
export function createExecutors(cluster: ClusterConfig, options: SshExecutorOptions = {}): Executor[] {
  return cluster.nodes.map((node) => createExecutor(node, options));
}

/** Closes every executor (SSH connections), even when some fail to close. */
export async function closeExecutors(executors: Executor[]): Promise<void> {
  await Promise.allSettled(executors.map((executor) => executor.close()));
}
