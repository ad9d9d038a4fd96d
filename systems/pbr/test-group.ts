/**
 * A pbr group of real processes for end-to-end tests and benchmarks: three members started
 * through the shared server entry (`main.ts --mode pbr …`) on free loopback ports.
 */
import { startProcessGroup, type ProcessGroup } from "../../test/support/process-group.ts";

export interface PbrTestGroupOptions {
  group?: number;
  memoryMb?: number;
  /** Node flags for every member. */
  nodeFlags?: string[];
}

export function startPbrTestGroup(options: PbrTestGroupOptions = {}): Promise<ProcessGroup> {
  const { group = 0, memoryMb = 64 } = options;
  return startProcessGroup({
    size: 3,
    nodeFlags: options.nodeFlags,
    args: (m) => ["--mode", "pbr", "--host", m.host, "--port", m.port, "--memory", memoryMb, "--group", group, "--index", m.index, "--peer-port", m.peerPort, "--peers", m.peers],
  });
}
