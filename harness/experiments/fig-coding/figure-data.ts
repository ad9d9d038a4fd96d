/**
 * The data sets notebooks/fig-coding.vl.json is bound to: memory per value byte per scheme
 * (coded values and the rest, with the ideal (k+m)/k), throughput per read ratio, and write
 * latency (average as bars, p99 as ticks).
 */
import type { Datasets } from "../../report/render.ts";
import { readRatioLabel, readRatios } from "../fig-throughput/plan.ts";
import type { SchemeResult } from "./measurements.ts";

export const memoryParts = { values: "coded values (data + parity)", rest: "metadata, keys, rest" } as const;

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

export function codingFigureData(results: SchemeResult[]): Datasets {
  const memory: Record<string, unknown>[] = [];
  const ideal: Record<string, unknown>[] = [];
  const throughput: Record<string, unknown>[] = [];
  const writeLatency: Record<string, unknown>[] = [];
  for (const r of results) {
    if (r.memory) {
      const total = r.memory.bytesPerValueByte;
      const values = Math.min(r.memory.dataPerValueByte ?? total, total);
      memory.push({ scheme: r.scheme, part: memoryParts.values, partOrder: 0, value: round(values, 4), total: round(total, 4) });
      memory.push({ scheme: r.scheme, part: memoryParts.rest, partOrder: 1, value: round(total - values, 4), total: round(total, 4) });
      ideal.push({ scheme: r.scheme, value: round(r.ideal, 4), label: `ideal (${r.k}+${r.m})/${r.k}` });
    }
    for (const ratio of readRatios) {
      const p = r.byRatio[ratio];
      if (!p) continue;
      throughput.push({ scheme: r.scheme, ratio: readRatioLabel(ratio), value: Math.round(p.throughput) });
      if (p.write) writeLatency.push({ scheme: r.scheme, ratio: readRatioLabel(ratio), avg: round(p.write.avg, 1), p50: p.write.p50, p99: p.write.p99 });
    }
  }
  return { memory, ideal, throughput, writeLatency };
}
