/** Small fixed run records for tests of the figures, summaries and CPU arithmetic (no servers). */
import type { ValueSizeId } from "../fig-memory/value-sizes.ts";
import type { SystemName } from "../systems-under-test.ts";
import type { LatencyStats, RunRecord } from "./measurement.ts";
import type { ReadRatio } from "./plan.ts";

/** Latency statistics with every percentile a fixed multiple of `p50` (no histogram). */
export function fixedLatency(p50: number, count = 1000): LatencyStats {
  return { count, avg: p50 * 1.1, min: p50 / 2, max: p50 * 10, p50, p90: p50 * 2, p95: p50 * 3, p99: p50 * 4, p999: p50 * 8, histogram: "" };
}

export interface FixedRunOptions {
  system?: SystemName;
  loop?: RunRecord["loop"];
  /** Read and update p50 (µs). */
  readP50?: number;
  updateP50?: number;
  /** CPU seconds per role over a 10 s window, spread evenly over `processes` of that role. */
  cpu?: Record<string, { processes: number; cpuSeconds: number }>;
}

/** One run phase of `variant` at `throughput` ops/s for 10 s. */
export function fixedRun(variant: string, size: ValueSizeId, readRatio: ReadRatio, throughput: number, options: FixedRunOptions = {}): RunRecord {
  const processes = Object.entries(options.cpu ?? {}).flatMap(([role, { processes, cpuSeconds }]) =>
    Array.from({ length: processes }, (_, i) => ({ id: `${variant}-${role}-${i}`, role, node: i % 5, cpuSeconds: cpuSeconds / processes })),
  );
  const latency: RunRecord["latency"] = { READ: fixedLatency(options.readP50 ?? 100) };
  if (readRatio < 100) latency.UPDATE = fixedLatency(options.updateP50 ?? 200);
  return {
    variant,
    system: options.system ?? (variant as SystemName),
    size,
    readRatio,
    repeat: 0,
    loop: options.loop ?? "closed",
    targetOpsPerSec: options.loop === "open" ? throughput : 0,
    threadCount: 32,
    runtimeMs: 10_000,
    operations: throughput * 10,
    throughput,
    latency,
    failedOperations: 0,
    corrupted: 0,
    missingAcknowledged: 0,
    cpu: { seconds: 10, processes, clientCpuSeconds: 5 },
    rawFile: `raw/${variant}-${size}-${readRatio}-${options.loop ?? "closed"}.json`,
  };
}

/** plain, pbr, cocytus and memcached at 50 / 95 / 100 % reads: cocytus 0.9× pbr at 50:50, 0.94× at 95:5, 1.0× at 100:0. */
export function fourSystemsRuns(size: ValueSizeId = "1k"): RunRecord[] {
  const table: Record<string, Record<ReadRatio, number>> = {
    plain: { 50: 2000, 95: 4000, 100: 5000 },
    pbr: { 50: 1000, 95: 3000, 100: 4000 },
    cocytus: { 50: 900, 95: 2820, 100: 4000 },
    memcached: { 50: 4000, 95: 8000, 100: 10000 },
  };
  return Object.entries(table).flatMap(([variant, byRatio]) => ([50, 95, 100] as const).map((ratio) => fixedRun(variant, size, ratio, byRatio[ratio])));
}
