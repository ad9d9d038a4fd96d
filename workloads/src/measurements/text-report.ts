import type { GcTotals } from "./gc.ts";
import { maxValue, minValue } from "./histogram.ts";
import { javaDouble, percentileOrdinal } from "./java-format.ts";
import type { MergedMeasurement } from "./measurements.ts";

export interface TextReportInput {
  /** The measured window, ms (YCSB's RunTime). */
  runtimeMs: number;
  /** Operations completed in the window (YCSB's opsDone). */
  operations: number;
  gc: GcTotals;
  /** In print order. */
  measurements: readonly MergedMeasurement[];
  /** hdrhistogram.percentiles (YCSB's default 95,99). */
  percentiles: readonly number[];
}

/**
 * YCSB's text report (TextMeasurementsExporter): `[OVERALL], RunTime(ms), 10008`, the throughput,
 * garbage collections, then per measurement Operations, AverageLatency(us), MinLatency(us),
 * MaxLatency(us), the percentiles and Return=<status> counts, numbers printed as Java prints them.
 */
export function ycsbText(input: TextReportInput): string {
  const lines: string[] = [];
  const write = (metric: string, measurement: string, value: string) => lines.push(`[${metric}], ${measurement}, ${value}`);
  const runtime = Math.round(input.runtimeMs);
  write("OVERALL", "RunTime(ms)", String(runtime));
  write("OVERALL", "Throughput(ops/sec)", javaDouble((1000.0 * input.operations) / runtime));

  let gcCount = 0;
  let gcTime = 0;
  for (const [name, t] of Object.entries(input.gc)) {
    const ms = Math.round(t.timeMs);
    write(`TOTAL_GCS_${name}`, "Count", String(t.count));
    write(`TOTAL_GC_TIME_${name}`, "Time(ms)", String(ms));
    write(`TOTAL_GC_TIME_%_${name}`, "Time(%)", javaDouble((ms / runtime) * 100));
    gcCount += t.count;
    gcTime += ms;
  }
  write("TOTAL_GCs", "Count", String(gcCount));
  write("TOTAL_GC_TIME", "Time(ms)", String(gcTime));
  write("TOTAL_GC_TIME_%", "Time(%)", javaDouble((gcTime / runtime) * 100));

  for (const m of input.measurements) {
    const h = m.histogram;
    write(m.name, "Operations", String(h.totalCount));
    write(m.name, "AverageLatency(us)", javaDouble(h.totalCount === 0 ? NaN : h.mean));
    write(m.name, "MinLatency(us)", String(minValue(h)));
    write(m.name, "MaxLatency(us)", String(maxValue(h)));
    for (const p of input.percentiles) write(m.name, `${percentileOrdinal(p)}PercentileLatency(us)`, String(h.totalCount === 0 ? 0 : h.getValueAtPercentile(p)));
    for (const [status, count] of m.statuses) write(m.name, `Return=${status}`, String(count));
  }
  return `${lines.join("\n")}\n`;
}

/** Parses hdrhistogram.percentiles ("95,99"); `where` names the property in errors. */
export function parsePercentiles(text: string, where: string): number[] {
  const values = text.split(",").map((s) => s.trim());
  const parsed = values.map(Number);
  const bad = values.findIndex((s, i) => s === "" || !Number.isFinite(parsed[i]) || parsed[i] < 0 || parsed[i] > 100);
  if (bad >= 0) throw new Error(`${where}: expected percentiles from 0 to 100 separated by commas, found ${JSON.stringify(values[bad])} in ${JSON.stringify(text)}`);
  return parsed;
}
