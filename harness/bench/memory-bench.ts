/**
 * `npm run bench -- memory`: one process of our plain server against native `memcached -t 1`,
 * each loaded (fresh) with the four value-size settings of fig-memory in the same run; prints
 * RSS growth per value byte for both and our metadata bytes per item (from stats). As in
 * fig-memory, "before" is read after a warm-up load of other keys (start-up growth is not charged
 * per value byte); the cold figure, counted from idle with the warm-up values, is printed beside it.
 */
import { loadWarmup, memoryPerProcessMb, SETTLE_MS, valueSizes, warmupFor, type ValueSize } from "../experiments/fig-memory/value-sizes.ts";
import { loadRecords, loadShortfall } from "../experiments/loader.ts";
import { nativeMemcachedVersion } from "../experiments/environment.ts";
import { numericStat, readServerStats, type ServerStats } from "../experiments/server-stats.ts";
import { perByteReferences } from "../experiments/fig-memory/paper.ts";
import { fixed, textTable } from "../report/markdown.ts";
import type { Cleanup } from "../experiments/cleanup.ts";
import { COLLECTION_TIMEOUT_MS, settleIdleCollections } from "../experiments/settle.ts";
import { buildServerBundle } from "../deploy/server-command.ts";
import { freeLocalPort, memcachedArgv, plainServerArgv, startLocalServer } from "./local-server.ts";

export interface MemoryBenchOptions {
  /** Records per size; undefined: fig-memory's --fast counts. */
  records?: number;
  sizes: ValueSize[];
  seed: number;
  /** Stops every started server on Ctrl-C (and is how the signal reaches the load). */
  cleanup: Cleanup;
  log: (line: string) => void;
}

export interface OneProcessMemory {
  server: "plain" | "memcached";
  size: string;
  records: number;
  valueBytes: number;
  /** RSS after start-up, before the warm-up. */
  rssIdle: number;
  warmupRecords: number;
  warmupValueBytes: number;
  rssBefore: number;
  rssAfter: number;
  bytesPerValueByte: number;
  /** (rssAfter - rssIdle) / (value bytes + warm-up value bytes): start-up growth charged too. */
  coldBytesPerValueByte: number;
  loadSeconds: number;
  /** `stats` after the warm-up, and after the load. */
  statsBefore: ServerStats;
  stats: ServerStats;
  /** Ours only: (metadata_bytes) / curr_items. */
  metadataBytesPerItem?: number;
}

const host = "127.0.0.1";

/** RSS is read as fig-memory reads it at --fast: once the server's idle collection is over, and 2 s more; Ctrl-C ends the wait. */
async function settle(server: string, port: number, signal: AbortSignal): Promise<void> {
  const pending = await settleIdleCollections(async () => new Map([[server, await readServerStats(host, port)]]), { afterMs: SETTLE_MS.fast, signal });
  if (pending.length > 0) throw new Error(`${server} on ${host}:${port}: its idle collection was still pending after ${COLLECTION_TIMEOUT_MS / 1000} s`);
}

async function measure(server: "plain" | "memcached", size: ValueSize, records: number, options: MemoryBenchOptions): Promise<OneProcessMemory> {
  const memoryMb = memoryPerProcessMb(records * Number(size.properties.fieldlength), 1);
  const port = await freeLocalPort(host);
  const argv = server === "plain" ? plainServerArgv(await buildServerBundle(), host, port, memoryMb) : memcachedArgv(host, port, memoryMb);
  const process = await startLocalServer(server, argv, host, port);
  const stop = options.cleanup.add(`${server} on ${host}:${port}`, () => process.stop());
  try {
    await settle(server, port, options.cleanup.signal);
    const rssIdle = await process.rssBytes();
    const warmup = warmupFor(size, records, 1);
    let warmupValueBytes = 0;
    if (warmup.records > 0) {
      warmupValueBytes = await loadWarmup(warmup, { endpoints: [{ host, port }] }, records, options.seed, options.cleanup.signal, `${server} ${size.label}`);
      await settle(server, port, options.cleanup.signal);
    }
    const rssBefore = await process.rssBytes();
    const statsBefore = await readServerStats(host, port);
    const loaded = await loadRecords({
      endpoints: [{ host, port }],
      properties: size.properties,
      records,
      seed: options.seed,
      signal: options.cleanup.signal,
      timeLimitSeconds: Math.max(120, records / 500),
    });
    const shortfall = loadShortfall({ records }, loaded);
    if (shortfall) throw new Error(`${server} ${size.label}: ${shortfall}`);
    await settle(server, port, options.cleanup.signal);
    const rssAfter = await process.rssBytes();
    const stats = await readServerStats(host, port);
    const items = numericStat(stats, "curr_items") ?? 0;
    const metadata = numericStat(stats, "metadata_bytes");
    return {
      server,
      size: size.label,
      records,
      valueBytes: loaded.report.valueBytes,
      rssIdle,
      warmupRecords: warmup.records,
      warmupValueBytes,
      rssBefore,
      rssAfter,
      bytesPerValueByte: (rssAfter - rssBefore) / loaded.report.valueBytes,
      coldBytesPerValueByte: (rssAfter - rssIdle) / (loaded.report.valueBytes + warmupValueBytes),
      loadSeconds: loaded.report.seconds,
      statsBefore,
      stats,
      metadataBytesPerItem: metadata !== undefined && items > 0 ? metadata / items : undefined,
    };
  } finally {
    await stop();
  }
}

export interface MemoryBenchResult {
  rows: OneProcessMemory[];
  table: string;
  /** Sizes where ours is above native memcached or above its target. */
  misses: string[];
}

export async function memoryBench(options: MemoryBenchOptions): Promise<MemoryBenchResult> {
  const withMemcached = (await nativeMemcachedVersion()) !== undefined;
  if (!withMemcached) options.log("native memcached is not installed: measuring our plain server alone");
  const rows: OneProcessMemory[] = [];
  for (const size of options.sizes) {
    const records = options.records ?? size.records.fast;
    for (const server of withMemcached ? (["plain", "memcached"] as const) : (["plain"] as const)) {
      options.log(`${server} · ${size.label}: loading ${records} records...`);
      const row = await measure(server, size, records, options);
      options.log(`${server} · ${size.label}: ${fixed(row.bytesPerValueByte, 3)} bytes of RSS per value byte (${fixed(row.valueBytes / 2 ** 20, 1)} MB of values, ${fixed(row.loadSeconds, 1)} s)`);
      rows.push(row);
    }
  }
  const target = perByteReferences.find((r) => r.system === "plain" && r.kind === "target");
  const misses: string[] = [];
  const tableRows = options.sizes.map((size) => {
    const ours = rows.find((r) => r.server === "plain" && r.size === size.label);
    const native = rows.find((r) => r.server === "memcached" && r.size === size.label);
    const goal = target?.values[size.id];
    if (ours && native && ours.bytesPerValueByte > native.bytesPerValueByte) misses.push(`${size.label}: ours ${fixed(ours.bytesPerValueByte, 3)} > memcached ${fixed(native.bytesPerValueByte, 3)}`);
    if (ours && goal !== undefined && ours.bytesPerValueByte > goal) misses.push(`${size.label}: ours ${fixed(ours.bytesPerValueByte, 3)} > target ${goal}`);
    return [
      size.label,
      fixed(ours?.bytesPerValueByte, 3),
      fixed(native?.bytesPerValueByte, 3),
      ours && native ? fixed(ours.bytesPerValueByte / native.bytesPerValueByte, 3) : "–",
      goal === undefined ? "–" : `≤ ${goal}`,
      fixed(ours?.coldBytesPerValueByte, 3),
      fixed(native?.coldBytesPerValueByte, 3),
      fixed(ours?.metadataBytesPerItem, 1),
      ours ? fixed(((numericStat(ours.stats, "data_area_bytes") ?? NaN) - (numericStat(ours.statsBefore, "data_area_bytes") ?? NaN)) / ours.valueBytes, 3) : "–",
    ];
  });
  const table = textTable(["size", "plain (ours)", "memcached -t 1", "ours/native", "target", "cold: ours", "cold: native", "metadata B/item (ours)", "data area growth / value bytes (ours)"], tableRows);
  return { rows, table, misses };
}
