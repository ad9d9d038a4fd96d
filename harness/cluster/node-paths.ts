import { posix } from "node:path";
import { NodeError } from "./node-error.ts";
import type { NodeConfig, StartedProcess } from "./types.ts";

/** A path on the node: absolute as given, relative to the node's workDir otherwise. */
export function nodePath(node: NodeConfig, path: string): string {
  return posix.isAbsolute(path) ? path : posix.join(node.workDir, path);
}

/** Where a started process's log and pidfile live: `<workDir>/<name>.log` and `.pid`. */
export function processFiles(node: NodeConfig, name: string): Omit<StartedProcess, "pid"> {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || name.startsWith(".")) {
    throw new NodeError(node, `process name must be letters, digits, '.', '-' or '_', found ${JSON.stringify(name)}`, "EINVAL");
  }
  return { logPath: posix.join(node.workDir, `${name}.log`), pidPath: posix.join(node.workDir, `${name}.pid`) };
}
