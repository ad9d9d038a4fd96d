/** Small fixed measurements for tests of the figure, summary and regression check (no servers). */
import type { ServerStats } from "../server-stats.ts";
import { summarizeMemory, type MemoryMeasurement } from "./measurement.ts";
import type { ValueSizeId } from "./value-sizes.ts";

/**
 * One measurement with a single process whose RSS grew by `perByte` × 1 MB for 1 MB of values;
 * `stats` gives our store's accounting (data area + parity, metadata + keys), per value byte.
 */
export function fixedMeasurement(system: string, size: ValueSizeId, perByte: number, stats?: { data: number; metadata: number }): MemoryMeasurement {
  const valueBytes = 2 ** 20;
  const statsAfter: ServerStats = stats
    ? {
        data_area_bytes: String(Math.round(stats.data * valueBytes)),
        parity_bytes: "0",
        metadata_bytes: String(Math.round(stats.metadata * valueBytes)),
        metadata_replica_bytes: "0",
        key_bytes: "0",
        curr_items: "1024",
        bytes: String(valueBytes),
      }
    : { bytes: String(valueBytes), curr_items: "1024" };
  return summarizeMemory(system, size, 0, { records: 1024, valueBytes, seconds: 1, failed: 0 }, [
    { id: `${system}-0`, role: "plain", node: 0, host: "127.0.0.1", port: 1, pid: 1, rssBefore: 40 * 2 ** 20, rssAfter: 40 * 2 ** 20 + Math.round(perByte * valueBytes), statsBefore: {}, statsAfter },
  ]);
}

/** plain, pbr, cocytus (with stats) and memcached at the given sizes. */
export function fourSystems(sizes: ValueSizeId[]): MemoryMeasurement[] {
  return sizes.flatMap((size) => [
    fixedMeasurement("plain", size, 1.05, { data: 1.0, metadata: 0.04 }),
    fixedMeasurement("pbr", size, 3.2, { data: 3.0, metadata: 0.12 }),
    fixedMeasurement("cocytus", size, 1.9, { data: 1.67, metadata: 0.15 }),
    fixedMeasurement("memcached", size, 1.18),
  ]);
}
