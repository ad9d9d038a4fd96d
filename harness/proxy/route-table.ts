import { route, type RoutingShape } from "../../systems/routing/router.ts";
import type { ProcessInfo } from "../deploy/types.ts";
import type { BackendTarget } from "./backend.ts";

/**
 * Which process answers for each route (group, member) of a running deployment:
 * plain: the process; pbr: the group's primary; cocytus: data process `member` of the group.
 * A view change (a backup promoted, a parity process serving a lost data process) replaces an owner.
 */
export class RouteTable {
  private readonly owners = new Map<string, BackendTarget>();

  constructor(
    readonly shape: RoutingShape,
    processes: readonly ProcessInfo[],
  ) {
    this.load(processes);
  }

  /** The route of a key, as a map key "group/member". */
  routeOf(key: Uint8Array): string {
    const r = route(key, this.shape);
    return `${r.group}/${r.member}`;
  }

  ownerOf(routeKey: string): BackendTarget {
    const owner = this.owners.get(routeKey);
    if (!owner) throw new Error(`route table: no process owns route ${routeKey} (shape ${JSON.stringify(this.shape)})`);
    return owner;
  }

  /** Every distinct owner, for commands sent to the whole cluster (flush_all, stats). */
  allOwners(): BackendTarget[] {
    const byAddress = new Map<string, BackendTarget>();
    for (const owner of this.owners.values()) byAddress.set(`${owner.host}:${owner.port}`, owner);
    return [...byAddress.values()];
  }

  /** Points a route at another process (after a view change). Returns true if it changed. */
  setOwner(group: number, member: number, target: BackendTarget): boolean {
    const key = `${group}/${member}`;
    const old = this.owners.get(key);
    this.owners.set(key, target);
    return !old || old.host !== target.host || old.port !== target.port;
  }

  /** Rebuilds every owner from a process table (e.g. re-read from the state file). Returns true if any changed. */
  load(processes: readonly ProcessInfo[]): boolean {
    let changed = false;
    const expectedRoutes = this.shape.mode === "cocytus" ? this.shape.groups * (this.shape.k ?? 3) : this.shape.groups;
    for (const p of processes) {
      const member = ownedMember(this.shape, p);
      if (member !== undefined && this.setOwner(p.group, member, { id: p.id, host: p.host, port: p.port })) changed = true;
    }
    if (this.owners.size !== expectedRoutes) throw new Error(`route table: the process table covers ${this.owners.size} of ${expectedRoutes} routes of shape ${JSON.stringify(this.shape)}`);
    return changed;
  }
}

/** The route member a process answers for in a fresh deployment, or undefined (backups, parity). */
function ownedMember(shape: RoutingShape, p: ProcessInfo): number | undefined {
  if (shape.mode === "plain") return p.role === "plain" ? 0 : undefined;
  if (shape.mode === "pbr") return p.role === "primary" ? 0 : undefined;
  return p.role === "data" ? p.index : undefined;
}
