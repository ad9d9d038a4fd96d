import { route, type Mode, type RoutingShape } from "../../../systems/routing/router.ts";

/** A server address. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Chooses the server (an index into the endpoint list) for the key bytes key[start, end). */
export type KeyRouter = (key: Uint8Array, start: number, end: number) => number;

/** The part of the harness's process table (`npx harness up` JSON) the driver routes with. */
export interface ProcessRow {
  role: string;
  group: number;
  index: number;
  host: string;
  port: number;
}

/** Where requests go: the servers, and which server owns a key. */
export interface Targets {
  endpoints: Endpoint[];
  router: KeyRouter;
  /** The routing shape used, or null for a single server. */
  shape: RoutingShape | null;
}

/** Parses `host:port` (`where` names the input in errors, e.g. "--target"). */
export function parseEndpoint(text: string, where: string): Endpoint {
  const colon = text.lastIndexOf(":");
  const host = colon > 0 ? text.slice(0, colon).trim() : "";
  const portText = colon > 0 ? text.slice(colon + 1).trim() : "";
  const port = Number(portText);
  if (host === "" || !/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new Error(`${where}: expected host:port with a port from 1 to 65535, found ${JSON.stringify(text)}`);
  }
  return { host, port };
}

/** Parses a comma-separated list of `host:port`. */
export function parseEndpoints(text: string, where: string): Endpoint[] {
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0) throw new Error(`${where}: expected one or more host:port separated by commas, found ${JSON.stringify(text)}`);
  return parts.map((p, i) => parseEndpoint(p, parts.length > 1 ? `${where}[${i}]` : where));
}

/**
 * Targets for a list of servers. One server: every key goes to it. Several: keys are routed with
 * the routing contract (plain mode over the servers in the order given, unless a shape says otherwise;
 * the shape's process or group count must then match the list).
 */
export function targetsFromEndpoints(endpoints: Endpoint[], shape?: RoutingShape): Targets {
  if (endpoints.length === 0) throw new Error("targets: expected at least one server, found none");
  if (endpoints.length === 1 && shape === undefined) return { endpoints, router: () => 0, shape: null };
  const used: RoutingShape = shape ?? { mode: "plain", groups: endpoints.length };
  const slots = used.mode === "cocytus" ? used.groups * (used.k ?? 3) : used.groups;
  if (slots !== endpoints.length) {
    throw new Error(`targets: routing shape ${describeShape(used)} needs ${slots} servers (one per ${used.mode === "cocytus" ? "data process" : used.mode === "pbr" ? "group primary" : "process"}), found ${endpoints.length}; for a cluster pass its process table instead`);
  }
  return { endpoints, router: shapeRouter(used, (group, member) => group * (used.mode === "cocytus" ? (used.k ?? 3) : 1) + member), shape: used };
}

/**
 * Targets for a cluster from its process table: a key goes to the process with role plain, primary
 * or data whose group (and, in cocytus, index) the routing contract picks. The mode, group count and
 * k come from the table unless `shape` gives them.
 */
export function targetsFromProcessTable(table: unknown, shape: Partial<RoutingShape> = {}, where = "process table"): Targets {
  const rows = parseProcessTable(table, where);
  const serving = rows.filter((r) => r.role === "plain" || r.role === "primary" || r.role === "data");
  if (serving.length === 0) throw new Error(`${where}: expected rows with role plain, primary or data, found roles ${JSON.stringify([...new Set(rows.map((r) => r.role))])}`);
  const roles = new Set(serving.map((r) => r.role));
  if (roles.size > 1) throw new Error(`${where}: expected one mode's processes, found roles ${JSON.stringify([...roles])} together`);
  const role = serving[0].role;
  const tableMode: Mode = role === "data" ? "cocytus" : role === "primary" ? "pbr" : "plain";
  const mode = shape.mode ?? tableMode;
  if (mode !== tableMode) throw new Error(`${where}: the routing mode is ${mode} but the table holds ${role} processes (mode ${tableMode})`);
  const groups = shape.groups ?? Math.max(...serving.map((r) => r.group)) + 1;
  const k = mode === "cocytus" ? (shape.k ?? Math.max(...serving.map((r) => r.index)) + 1) : 1;
  const used: RoutingShape = mode === "cocytus" ? { mode, groups, k } : { mode, groups };

  const endpoints: Endpoint[] = [];
  const slotToEndpoint = new Int32Array(groups * k).fill(-1);
  for (const row of serving) {
    const member = mode === "cocytus" ? row.index : 0;
    if (row.group >= groups || member >= k) continue;
    const slot = row.group * k + member;
    if (slotToEndpoint[slot] !== -1) throw new Error(`${where}: two ${role} processes for group ${row.group} index ${member}`);
    slotToEndpoint[slot] = endpoints.length;
    endpoints.push({ host: row.host, port: row.port });
  }
  const missing = [...slotToEndpoint.keys()].filter((s) => slotToEndpoint[s] === -1);
  if (missing.length > 0) {
    const s = missing[0];
    throw new Error(`${where}: no ${role} process for group ${Math.floor(s / k)}${mode === "cocytus" ? ` index ${s % k}` : ""} (routing shape ${describeShape(used)}; ${missing.length} slots empty)`);
  }
  return { endpoints, router: shapeRouter(used, (group, member) => slotToEndpoint[group * k + member]), shape: used };
}

function shapeRouter(shape: RoutingShape, slot: (group: number, member: number) => number): KeyRouter {
  return (key, start, end) => {
    const r = route(key, shape, start, end);
    return slot(r.group, r.member);
  };
}

function describeShape(shape: RoutingShape): string {
  return shape.mode === "cocytus" ? `cocytus groups=${shape.groups} k=${shape.k ?? 3}` : `${shape.mode} groups=${shape.groups}`;
}

/** Validates a process table: an array of rows, or an object with a `processes` array. */
export function parseProcessTable(table: unknown, where: string): ProcessRow[] {
  const list = Array.isArray(table) ? table : isRecord(table) && Array.isArray(table.processes) ? table.processes : null;
  if (list === null) throw new Error(`${where}: expected a JSON array of processes (or an object with a "processes" array), found ${typeof table}`);
  return list.map((row: unknown, i: number) => {
    const at = `${where}[${i}]`;
    if (!isRecord(row)) throw new Error(`${at}: expected an object, found ${JSON.stringify(row)}`);
    const { role, group, index, host, port } = row;
    if (typeof role !== "string") throw new Error(`${at}.role must be a string, found ${JSON.stringify(role)}`);
    if (!Number.isInteger(group) || (group as number) < 0) throw new Error(`${at}.group must be an integer >= 0, found ${JSON.stringify(group)}`);
    if (!Number.isInteger(index) || (index as number) < 0) throw new Error(`${at}.index must be an integer >= 0, found ${JSON.stringify(index)}`);
    if (typeof host !== "string" || host === "") throw new Error(`${at}.host must be a host name, found ${JSON.stringify(host)}`);
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw new Error(`${at}.port must be a port from 1 to 65535, found ${JSON.stringify(port)}`);
    return { role, group: group as number, index: index as number, host, port: port as number };
  });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
