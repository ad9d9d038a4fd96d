import type { NodeConfig } from "./types.ts";

/** "node3 (10.213.0.13)": how errors and logs name a node. */
export function nodeLabel(node: NodeConfig): string {
  return `${node.name} (${node.transport.kind === "ssh" ? node.sshHost : node.host})`;
}

/**
 * An executor's failure; the message starts with the node's label.
 * `code` is a short machine-readable reason (e.g. "ESRCH" when signalling a process that is gone, "ETIMEDOUT").
 */
export class NodeError extends Error {
  override name = "NodeError";
  constructor(
    readonly node: NodeConfig,
    what: string,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(`${nodeLabel(node)}: ${what}`, options);
  }
}
