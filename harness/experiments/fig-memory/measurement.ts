/**
 * What fig-memory measures for one system and value size, and the arithmetic on it:
 * memory per value byte = (sum over processes of RSS after loading − RSS before) / value bytes
 * the client loaded (the contract, DESIGN section 11), and the same from the servers' `stats`.
 */
import { ACCOUNTED_STATS_FIELDS } from "../../../systems/protocol/counters.ts";
import { numericStat, type ServerStats } from "../server-stats.ts";
import type { ValueSizeId } from "./value-sizes.ts";

export interface ProcessMemory {
  id: string;
  role: string;
  node: number;
  host: string;
  port: number;
  pid: number;
  rssBefore: number;
  rssAfter: number;
  statsBefore: ServerStats;
  statsAfter: ServerStats;
}

/** What the load phase reports (from the ycsb-ts driver). */
export interface LoadReport {
  records: number;
  /** Value bytes the client sent, as it counted them. */
  valueBytes: number;
  seconds: number;
  /** Failed inserts; a load with failures is not a valid measurement. */
  failed: number;
}

/** Sums of the store accounting fields of DESIGN section 4 (after − before), over all processes. */
export interface StatsTotals {
  curr_items: number;
  bytes: number;
  key_bytes: number;
  metadata_bytes: number;
  data_area_bytes: number;
  parity_bytes: number;
  metadata_replica_bytes: number;
}

export const statsFields: readonly (keyof StatsTotals)[] = ["curr_items", "bytes", "key_bytes", "metadata_bytes", "data_area_bytes", "parity_bytes", "metadata_replica_bytes"];

export interface RoleMemory {
  processes: number;
  rssGrowthBytes: number;
  bytesPerValueByte: number;
}

export interface MemoryMeasurement {
  system: string;
  size: ValueSizeId;
  repeat: number;
  load: LoadReport;
  rssBeforeBytes: number;
  rssGrowthBytes: number;
  /** The contract figure: RSS growth per value byte. */
  bytesPerValueByte: number;
  byRole: Record<string, RoleMemory>;
  /** Undefined when the servers don't report the accounting fields (native memcached). */
  stats?: StatsTotals;
  /** (data area + parity + metadata + replicas + keys) / value bytes. */
  statsBytesPerValueByte?: number;
  /** (data area + parity) / value bytes: the coded or copied values. */
  dataPerValueByte?: number;
  /** (metadata + metadata replicas + keys) / value bytes. */
  metadataPerValueByte?: number;
  processes: ProcessMemory[];
  /**
   * The warm-up before "RSS before loading": records loaded with other keys (not counted in the
   * value bytes), and how much every process had grown from idle by then (start-up growth: JIT
   * code, the binary's pages, heap sizing), which the contract figure therefore does not charge.
   */
  warmup?: { records: number; valueBytes: number; rssIdleBytes: number; startupGrowthBytes: number };
  /** Processes whose idle collection was still pending when RSS was read (the wait timed out). */
  unsettled?: string[];
}

function statsTotals(processes: ProcessMemory[]): StatsTotals | undefined {
  const totals = Object.fromEntries(statsFields.map((field) => [field, 0])) as unknown as StatsTotals;
  for (const process of processes) {
    // data_area_bytes is what tells our store's accounting apart from native memcached's.
    if (numericStat(process.statsAfter, "data_area_bytes") === undefined) return undefined;
    for (const field of statsFields) {
      totals[field] += (numericStat(process.statsAfter, field) ?? 0) - (numericStat(process.statsBefore, field) ?? 0);
    }
  }
  return totals;
}

/** Turns the raw readings of one (system, size) into the per-value-byte figures. */
export function summarizeMemory(system: string, size: ValueSizeId, repeat: number, load: LoadReport, processes: ProcessMemory[]): MemoryMeasurement {
  if (load.valueBytes <= 0) throw new Error(`${system} ${size}: the load reported ${load.valueBytes} value bytes; expected a positive count`);
  const rssBeforeBytes = processes.reduce((sum, p) => sum + p.rssBefore, 0);
  const rssGrowthBytes = processes.reduce((sum, p) => sum + (p.rssAfter - p.rssBefore), 0);
  const byRole: Record<string, RoleMemory> = {};
  for (const process of processes) {
    const role = (byRole[process.role] ??= { processes: 0, rssGrowthBytes: 0, bytesPerValueByte: 0 });
    role.processes++;
    role.rssGrowthBytes += process.rssAfter - process.rssBefore;
  }
  for (const role of Object.values(byRole)) role.bytesPerValueByte = role.rssGrowthBytes / load.valueBytes;
  const measurement: MemoryMeasurement = {
    system,
    size,
    repeat,
    load,
    rssBeforeBytes,
    rssGrowthBytes,
    bytesPerValueByte: rssGrowthBytes / load.valueBytes,
    byRole,
    processes,
  };
  const stats = statsTotals(processes);
  if (stats) {
    const data = stats.data_area_bytes + stats.parity_bytes;
    const metadata = stats.metadata_bytes + stats.metadata_replica_bytes + stats.key_bytes;
    measurement.stats = stats;
    measurement.dataPerValueByte = data / load.valueBytes;
    measurement.metadataPerValueByte = metadata / load.valueBytes;
    measurement.statsBytesPerValueByte = (data + metadata) / load.valueBytes;
  }
  return measurement;
}

/**
 * Where a measurement's RSS growth went, per role: the store's own account (data area, parity,
 * metadata, replicas, keys), V8's heap (`heap_total`, with the spaces that grew or shrank where the
 * servers report them: `heap_new`, `heap_old`, `heap_code`, ...), the rest (malloc's heap, the
 * binary's pages), and how many processes finished an idle collection during the load. Printed when
 * --check fails, so that a CI log says which part grew.
 */
export function rssBreakdown(m: MemoryMeasurement): string {
  const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const signedMB = (bytes: number) => `${bytes < 0 ? "-" : "+"}${MB(Math.abs(bytes))}`;
  const growth = (p: ProcessMemory, fields: readonly string[]) =>
    fields.reduce((sum, field) => sum + (numericStat(p.statsAfter, field) ?? 0) - (numericStat(p.statsBefore, field) ?? 0), 0);
  const roles = new Map<string, { processes: number; rss: number; store: number; heap: number; spaces: Map<string, number>; collected: number }>();
  for (const p of m.processes) {
    const role = roles.get(p.role) ?? { processes: 0, rss: 0, store: 0, heap: 0, spaces: new Map<string, number>(), collected: 0 };
    role.processes++;
    role.rss += p.rssAfter - p.rssBefore;
    role.store += growth(p, ACCOUNTED_STATS_FIELDS);
    role.heap += growth(p, ["heap_total"]);
    for (const field of Object.keys(p.statsAfter).filter(isHeapSpaceField)) {
      const space = field.slice("heap_".length);
      role.spaces.set(space, (role.spaces.get(space) ?? 0) + growth(p, [field]));
    }
    if (growth(p, ["gc_idle_collections"]) > 0) role.collected++;
    roles.set(p.role, role);
  }
  const spaceList = (spaces: Map<string, number>) => {
    const moved = [...spaces].filter(([, bytes]) => bytes !== 0).map(([space, bytes]) => `${space} ${signedMB(bytes)}`);
    return moved.length > 0 ? ` (${moved.join(", ")})` : "";
  };
  const parts = [...roles].map(
    ([name, r]) =>
      `${r.processes} ${name}: RSS ${signedMB(r.rss)} = store ${signedMB(r.store)}, V8 heap ${signedMB(r.heap)}${spaceList(r.spaces)}, rest ${signedMB(r.rss - r.store - r.heap)}; ${r.collected} of ${r.processes} finished an idle collection`,
  );
  return `${m.system} ${m.size} (${MB(m.load.valueBytes)} of values): ${parts.join("; ")}`;
}

/** A `stats` field with one of V8's heap spaces (heap_new, heap_old, ...), not the heap's totals. */
function isHeapSpaceField(field: string): boolean {
  return field.startsWith("heap_") && field !== "heap_used" && field !== "heap_total";
}

/** The measurement with the median RSS figure among repeats of one (system, size). */
export function medianMeasurement(repeats: MemoryMeasurement[]): MemoryMeasurement {
  if (repeats.length === 0) throw new Error("medianMeasurement: expected at least one measurement, found none");
  const sorted = [...repeats].sort((a, b) => a.bytesPerValueByte - b.bytesPerValueByte);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Medians per (system, size), in the order systems and sizes were first measured. */
export function medians(all: MemoryMeasurement[]): MemoryMeasurement[] {
  const groups = new Map<string, MemoryMeasurement[]>();
  for (const m of all) {
    const key = `${m.system}\u0000${m.size}`;
    const list = groups.get(key) ?? [];
    list.push(m);
    groups.set(key, list);
  }
  return [...groups.values()].map(medianMeasurement);
}
