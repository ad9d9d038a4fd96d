import { closeExecutors, createExecutors } from "../cluster/executors.ts";
import { nodeLabel } from "../cluster/node-error.ts";
import { shellQuote } from "../cluster/ssh-executor.ts";
import type { ClusterConfig, Executor } from "../cluster/types.ts";
import { findServersScript } from "./cleanup.ts";
import { place } from "./placement.ts";
import { addonAbi } from "./server-command.ts";

export interface NodeDiagnosis {
  node: number;
  label: string;
  /** What was found fine, e.g. "node v20.20.2". */
  facts: string[];
  /** What would stop or spoil a deployment; empty when the node is ready. */
  problems: string[];
}

/**
 * Checks every node of a cluster before a run: reachable, Node 20+, workDir writable, the ports
 * any mode's placement would use are free, no server left from an earlier deployment, and the
 * node can load the Reed-Solomon addon built here (same platform, arch and Node ABI). Never throws for a node's problem: it is reported.
 */
export async function diagnoseCluster(cluster: ClusterConfig, options: { connectTimeoutMs?: number; basePort?: number } = {}): Promise<NodeDiagnosis[]> {
  const executors = createExecutors(cluster, { connectTimeoutMs: options.connectTimeoutMs ?? 5000 });
  try {
    const ports = portsPerHost(cluster, options.basePort ?? cluster.basePort);
    return await Promise.all(executors.map((executor) => diagnoseNode(executor, cluster.nodeBinary, ports.get(executor.node.host) ?? [])));
  } finally {
    await closeExecutors(executors);
  }
}

/** Every port the three modes' default placements use on each host (the widest is pbr's). */
function portsPerHost(cluster: ClusterConfig, basePort: number): Map<string, number[]> {
  const ports = new Map<string, Set<number>>();
  for (const mode of ["plain", "pbr", "cocytus"] as const) {
    let placement;
    try {
      placement = place(cluster.nodes, { mode, basePort });
    } catch {
      continue; // A mode this cluster cannot host with its defaults (e.g. RS(3,2) on four nodes) uses no ports.
    }
    for (const p of placement.processes) {
      const set = ports.get(p.host) ?? new Set<number>();
      set.add(p.port);
      if (p.peerPort !== undefined) set.add(p.peerPort);
      ports.set(p.host, set);
    }
  }
  return new Map([...ports].map(([host, set]) => [host, [...set].sort((a, b) => a - b)]));
}

async function diagnoseNode(executor: Executor, nodeBinary: string, ports: number[]): Promise<NodeDiagnosis> {
  const node = executor.node;
  const diagnosis: NodeDiagnosis = { node: node.index, label: nodeLabel(node), facts: [], problems: [] };
  const workDir = shellQuote(node.workDir);
  const script = [
    `echo "version $(${shellQuote(nodeBinary)} --version 2>&1)"`,
    `if mkdir -p ${workDir} 2>/dev/null && [ -w ${workDir} ]; then echo workdir-ok; else echo workdir-bad; fi`,
    `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { print "listen " $2 }'`,
    findServersScript(node.workDir, [], undefined),
    `for p in $servers; do echo "leftover $p"; done`,
    `echo "abi $(${shellQuote(nodeBinary)} -p 'process.platform + " " + process.arch + " " + process.versions.modules' 2>&1)"`,
  ].join("\n");
  const began = performance.now();
  let output: string;
  try {
    const result = await executor.exec(script, { timeoutMs: 15_000 });
    output = result.stdout;
  } catch (error) {
    diagnosis.problems.push(`unreachable: ${(error as Error).message}`);
    return diagnosis;
  }
  diagnosis.facts.push(`reachable (${Math.round(performance.now() - began)} ms for the checks)`);
  const lines = output.split("\n");
  const version = lines.find((l) => l.startsWith("version "))?.slice(8) ?? "";
  const major = /^v(\d+)\./.exec(version);
  if (major && Number(major[1]) >= 20) diagnosis.facts.push(`node ${version}`);
  else diagnosis.problems.push(`${nodeBinary} --version printed ${JSON.stringify(version)}; the servers need Node 20 or newer`);
  if (lines.includes("workdir-ok")) diagnosis.facts.push(`workDir ${node.workDir} writable`);
  else diagnosis.problems.push(`workDir ${node.workDir} cannot be created or written`);
  const busy = busyPorts(lines, node.host, ports);
  if (busy.length > 0) diagnosis.problems.push(`ports in use on ${node.host}: ${busy.join(", ")} (placement uses ${describeRange(ports)})`);
  else if (ports.length > 0) diagnosis.facts.push(`ports ${describeRange(ports)} free`);
  const leftovers = lines.filter((l) => l.startsWith("leftover ")).map((l) => l.slice(9));
  if (leftovers.length > 0) diagnosis.problems.push(`harness servers still running: pids ${leftovers.join(", ")} (run \`npx harness down\` before a new deployment)`);
  else diagnosis.facts.push("no harness servers running");
  const abi = lines.find((l) => l.startsWith("abi "))?.slice(4) ?? "";
  if (abi === addonAbi) diagnosis.facts.push(`platform and Node ABI match this machine's (${abi}): the shipped Reed-Solomon addon loads`);
  else diagnosis.problems.push(`platform/arch/Node ABI is ${JSON.stringify(abi)}, this machine's is ${JSON.stringify(addonAbi)}: the Reed-Solomon addon shipped with the bundle will not load (cocytus needs it); use the same Node major on every host`);
  return diagnosis;
}

/** Ports of `wanted` with a listener on `host` or on the wildcard address, from /proc/net/tcp{,6} lines. */
function busyPorts(lines: string[], host: string, wanted: number[]): number[] {
  const wantedSet = new Set(wanted);
  const busy = new Set<number>();
  for (const line of lines) {
    if (!line.startsWith("listen ")) continue;
    const [addressHex, portHex] = line.slice(7).split(":");
    const port = parseInt(portHex, 16);
    if (!wantedSet.has(port)) continue;
    const address = decodeAddress(addressHex);
    if (address === host || address === "0.0.0.0" || address === "::") busy.add(port);
  }
  return [...busy].sort((a, b) => a - b);
}

/** /proc/net/tcp addresses are little-endian hex words: "0101007F" is 127.0.1.1. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
  if (/^0{32}$/.test(hex)) return "::";
  if (hex.startsWith("0000000000000000FFFF0000")) return decodeAddress(hex.slice(24));
  return hex;
}

function describeRange(ports: number[]): string {
  return ports.length === 0 ? "none" : `${ports[0]}-${ports[ports.length - 1]}`;
}
