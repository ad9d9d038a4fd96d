/**
 * memcached's per-server command counters, and the general `stats` reply built from them, the
 * store's accounting (DESIGN section 4) and the process's memory.
 */

import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";
import type { StoreStats } from "../store/types.ts";
import { readBufferCollector } from "../runtime/read-buffers.ts";

/**
 * The version we answer with: exactly the memcached version we are compatible with (clients parse
 * it; the npm memcached client fails on anything after the last digit).
 */
export const SERVER_VERSION = "1.6.18";

export class Counters {
  total_connections = 0;
  curr_connections = 0;
  cmd_get = 0;
  cmd_set = 0;
  cmd_flush = 0;
  cmd_touch = 0;
  get_hits = 0;
  get_misses = 0;
  delete_misses = 0;
  delete_hits = 0;
  incr_misses = 0;
  incr_hits = 0;
  decr_misses = 0;
  decr_hits = 0;
  cas_misses = 0;
  cas_hits = 0;
  cas_badval = 0;
  touch_hits = 0;
  touch_misses = 0;
  store_too_large = 0;
  store_no_memory = 0;
  bytes_read = 0;
  bytes_written = 0;

  /** `stats reset`: clears the counters (connection gauges stay). */
  reset(): void {
    const current = this.curr_connections;
    Object.assign(this, new Counters());
    this.curr_connections = current;
  }
}

/** What the general stats reply is made of besides the counters. */
export interface StatsSources {
  counters: Counters;
  startedAt: number;
  now: number;
  maxConnections: number;
  store: StoreStats;
  /** Mode-specific fields; they override the defaults of the same name. */
  extra?: Record<string, number | string>;
}

/** The `stats` reply: memcached's usual fields first, then our accounting, then END. */
export function generalStats(sources: StatsSources): Buffer {
  const { counters: c, store } = sources;
  const cpu = process.cpuUsage();
  const heap = process.memoryUsage();
  const fields: Record<string, number | string> = {
    pid: process.pid,
    uptime: Math.max(0, sources.now - sources.startedAt),
    time: sources.now,
    version: SERVER_VERSION,
    pointer_size: 64,
    rusage_user: (cpu.user / 1e6).toFixed(6),
    rusage_system: (cpu.system / 1e6).toFixed(6),
    max_connections: sources.maxConnections,
    curr_connections: c.curr_connections,
    total_connections: c.total_connections,
    rejected_connections: 0,
    cmd_get: c.cmd_get,
    cmd_set: c.cmd_set,
    cmd_flush: c.cmd_flush,
    cmd_touch: c.cmd_touch,
    get_hits: c.get_hits,
    get_misses: c.get_misses,
    get_expired: 0,
    get_flushed: 0,
    delete_misses: c.delete_misses,
    delete_hits: c.delete_hits,
    incr_misses: c.incr_misses,
    incr_hits: c.incr_hits,
    decr_misses: c.decr_misses,
    decr_hits: c.decr_hits,
    cas_misses: c.cas_misses,
    cas_hits: c.cas_hits,
    cas_badval: c.cas_badval,
    touch_hits: c.touch_hits,
    touch_misses: c.touch_misses,
    store_too_large: c.store_too_large,
    store_no_memory: c.store_no_memory,
    auth_cmds: 0,
    auth_errors: 0,
    bytes_read: c.bytes_read,
    bytes_written: c.bytes_written,
    limit_maxbytes: store.limit_maxbytes,
    accepting_conns: 1,
    threads: 1,
    bytes: store.bytes,
    curr_items: store.curr_items,
    total_items: store.total_items,
    evictions: 0,
    reclaimed: 0,
    key_bytes: store.key_bytes,
    metadata_bytes: store.metadata_bytes,
    data_area_bytes: store.data_area_bytes,
    parity_bytes: 0,
    metadata_replica_bytes: 0,
    rss: residentBytes(),
    heap_used: heap.heapUsed,
    heap_total: heap.heapTotal,
    ...heapSpaces(),
    runtime_bytes: 0,
    gc_young_collections: readBufferCollector().collections,
    gc_idle_collections: readBufferCollector().idle?.collections ?? 0,
    gc_idle_pending: readBufferCollector().idle?.pending ? 1 : 0,
    ...sources.extra,
  };
  fields.runtime_bytes = runtimeBytes(fields);
  return statsReply(fields);
}

/**
 * heap_total split by V8's spaces (`heap_old`, `heap_new`, `heap_code`, `heap_large_object`, ...):
 * the committed bytes of each, so a memory figure can say which part of V8's heap grew.
 */
function heapSpaces(): Record<string, number> {
  const spaces: Record<string, number> = {};
  for (const space of getHeapSpaceStatistics()) {
    spaces[`heap_${space.space_name.replace(/_space$/, "")}`] = space.space_size;
  }
  return spaces;
}

/**
 * The `stats` fields of the store's own account, in bytes (a mode's extras set parity and replica
 * bytes): what a process holds for values and metadata. RSS beyond them is runtime_bytes.
 */
export const ACCOUNTED_STATS_FIELDS = ["data_area_bytes", "parity_bytes", "metadata_bytes", "metadata_replica_bytes", "key_bytes"] as const;

/**
 * The process's memory beyond the store's accounting: RSS less the accounted fields. It is Node
 * and V8 (heap, compiled code), socket and request buffers and malloc's heap, the part of a
 * memory figure that is the runtime's rather than the scheme's.
 */
function runtimeBytes(fields: Record<string, number | string>): number {
  let accounted = 0;
  for (const field of ACCOUNTED_STATS_FIELDS) accounted += Number(fields[field]);
  return Math.max(0, Number(fields.rss) - accounted);
}

/** Formats `STAT name value` lines and the END line. */
export function statsReply(fields: Record<string, number | string>): Buffer {
  let text = "";
  for (const [name, value] of Object.entries(fields)) text += `STAT ${name} ${value}\r\n`;
  return Buffer.from(`${text}END\r\n`, "latin1");
}

/** The process's resident set size in bytes (VmRSS of /proc/self/status), 0 where there is no /proc. */
export function residentBytes(): number {
  try {
    const status = readFileSync("/proc/self/status", "latin1");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
