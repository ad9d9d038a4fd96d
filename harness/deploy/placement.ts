import type { Mode, RoutingShape } from "../../systems/routing/router.ts";
import type { NodeConfig } from "../cluster/types.ts";
import type { ProcessInfo, Role } from "./types.ts";

/** A process placed on a node, before it runs (the process table row without a pid). */
export type PlacedProcess = Omit<ProcessInfo, "pid">;

export interface PlacementOptions {
  mode: Mode;
  /** Cocytus RS(k, m); defaults 3 and 2. Ignored by plain and pbr. */
  k?: number;
  m?: number;
  /**
   * plain: number of processes (default 3 per node); pbr: number of groups (default 3 per node);
   * cocytus: number of groups (default one per node).
   */
  groups?: number;
  /** First port on each host; a host's processes take base, base+1, ... in placement order. */
  basePort: number;
}

/** The placement of one deployment: the routing shape shared with driver and proxy, and every process. */
export interface Placement {
  mode: Mode;
  /** Data members per group (cocytus k; pbr 1 primary; plain 1). */
  k: number;
  /** Redundant members per group (cocytus m parity; pbr 2 backups; plain 0). */
  m: number;
  shape: RoutingShape;
  processes: PlacedProcess[];
}

/** Backups per pbr group (DESIGN section 3: one primary and two backups). */
export const PBR_BACKUPS = 2;
/** plain processes and pbr groups per node, as in the paper (15 on 5 nodes). */
export const PROCESSES_PER_NODE = 3;
const MAX_PORT = 65535;

/**
 * Places every process of a mode on the nodes as DESIGN section 3 says:
 * plain: process p on node p mod N; pbr: group g's primary on g mod N, backups on g+1, g+2;
 * cocytus: member l of group g on node (g + l) mod N (l < k data, the rest parity).
 * Throws an Error that says which parameter is wrong and why.
 */
export function place(nodes: readonly NodeConfig[], options: PlacementOptions): Placement {
  const n = nodes.length;
  if (n === 0) throw new Error("placement: the cluster has no nodes");
  checkPort("basePort", options.basePort);
  const ports = new PortCounter(options.basePort);
  const processes: PlacedProcess[] = [];
  const add = (id: string, nodeIndex: number, role: Role, group: number, index: number, withPeer: boolean) => {
    const node = nodes[nodeIndex];
    const port = ports.next(node);
    const row: PlacedProcess = { id, node: node.index, role, group, index, host: node.host, port };
    if (withPeer) row.peerPort = ports.next(node);
    processes.push(row);
  };

  switch (options.mode) {
    case "plain": {
      const count = positiveInteger("plain process count (--groups)", options.groups ?? PROCESSES_PER_NODE * n);
      for (let p = 0; p < count; p++) add(`plain-${p}`, p % n, "plain", p, 0, false);
      return { mode: "plain", k: 1, m: 0, shape: { mode: "plain", groups: count }, processes };
    }
    case "pbr": {
      if (n < 1 + PBR_BACKUPS) throw new Error(`placement: pbr puts a primary and ${PBR_BACKUPS} backups on distinct nodes, so it needs at least ${1 + PBR_BACKUPS} nodes; the cluster has ${n}`);
      const groups = positiveInteger("pbr group count (--groups)", options.groups ?? PROCESSES_PER_NODE * n);
      for (let g = 0; g < groups; g++) {
        add(`pbr-g${g}-primary`, g % n, "primary", g, 0, true);
        for (let b = 1; b <= PBR_BACKUPS; b++) add(`pbr-g${g}-backup${b}`, (g + b) % n, "backup", g, b, true);
      }
      return { mode: "pbr", k: 1, m: PBR_BACKUPS, shape: { mode: "pbr", groups }, processes };
    }
    case "cocytus": {
      const k = positiveInteger("cocytus k (--k, data processes per group)", options.k ?? 3);
      const m = positiveInteger("cocytus m (--m, parity processes per group)", options.m ?? 2);
      if (k + m > n) throw new Error(`placement: RS(${k},${m}) needs k + m = ${k + m} nodes so that every member of a group is on its own node; the cluster has ${n} nodes (expected k + m <= ${n})`);
      const groups = positiveInteger("cocytus group count (--groups)", options.groups ?? n);
      for (let g = 0; g < groups; g++) {
        for (let l = 0; l < k + m; l++) {
          const id = l < k ? `cocytus-g${g}-data${l}` : `cocytus-g${g}-parity${l - k}`;
          add(id, (g + l) % n, l < k ? "data" : "parity", g, l, true);
        }
      }
      return { mode: "cocytus", k, m, shape: { mode: "cocytus", groups, k }, processes };
    }
    default:
      throw new Error(`placement: mode must be plain, pbr or cocytus, found ${JSON.stringify(options.mode)}`);
  }
}

/** The members of a group in index order (plain: the one process). */
export function groupMembers<P extends PlacedProcess>(processes: readonly P[], group: number): P[] {
  return processes.filter((p) => p.group === group).sort((a, b) => a.index - b.index);
}

/**
 * Hands out ports per host: nodes that share an address (e.g. a cluster whose nodes are all
 * 127.0.0.1) share one counter, so no two processes ever get the same host:port.
 */
class PortCounter {
  private readonly nextByHost = new Map<string, number>();
  constructor(private readonly base: number) {}
  next(node: NodeConfig): number {
    const port = this.nextByHost.get(node.host) ?? this.base;
    if (port > MAX_PORT) throw new Error(`placement: ran out of ports on ${node.name} (${node.host}): basePort ${this.base} + ${port - this.base} processes exceeds ${MAX_PORT}`);
    this.nextByHost.set(node.host, port + 1);
    return port;
  }
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`placement: ${what} must be a positive integer, found ${JSON.stringify(value)}`);
  return value;
}

function checkPort(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PORT) throw new Error(`placement: ${what} must be a port number 1..${MAX_PORT}, found ${JSON.stringify(value)}`);
}
