import { LocalExecutor } from "./local-executor.ts";
import { NodeError } from "./node-error.ts";
import type { ClusterConfig, Executor, NodeConfig } from "./types.ts";

/** The executor for a node's transport (local or SSH). */
export function createExecutor(node: NodeConfig): Executor {
  if (node.transport.kind === "local") return new LocalExecutor(node);
  throw new NodeError(node, "the SSH executor is not built yet", "ENOTSUP");
}

/** One executor per node of the cluster, in node order. */
export function createExecutors(cluster: ClusterConfig): Executor[] {
  return cluster.nodes.map((node) => createExecutor(node));
}

/** Closes every executor (SSH connections), even when some fail to close. */
export async function closeExecutors(executors: Executor[]): Promise<void> {
  await Promise.allSettled(executors.map((executor) => executor.close()));
}
