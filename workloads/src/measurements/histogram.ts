import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram } from "hdr-histogram-js";

export type { JsHistogram };

/** A latency histogram in µs: HdrHistogram with 3 significant digits (YCSB's `new Recorder(3)`), growing as needed. */
export function newLatencyHistogram(): JsHistogram {
  const h = build({ numberOfSignificantValueDigits: 3, autoResize: true });
  if (!(h instanceof JsHistogram)) throw new Error("hdr-histogram-js: expected a JsHistogram from build()");
  return h;
}

/** HdrHistogram's compressed base64 form, the same encoding Java's HdrHistogram logs use. */
export function encodeHistogram(h: JsHistogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): JsHistogram {
  const h = decodeFromCompressedBase64(encoded);
  if (!(h instanceof JsHistogram)) throw new Error("hdr-histogram-js: expected a JsHistogram from decoding");
  h.autoResize = true;
  return h;
}

/** Adds the histogram `encoded` into `into` (merging counts, never averaging percentiles). */
export function addEncoded(into: JsHistogram, encoded: string): void {
  into.add(decodeHistogram(encoded));
}

/** Latency statistics of one histogram, in µs, with the values Java's HdrHistogram reports. */
export interface LatencySummary {
  count: number;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** Java's getMinValue: 0 when a 0 was recorded (or nothing), else the lowest equivalent of the smallest value. */
export function minValue(h: JsHistogram): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(0);
}

/** Java's getMaxValue: the highest value equivalent to the largest value recorded. */
export function maxValue(h: JsHistogram): number {
  return h.maxValue === 0 ? 0 : h.highestEquivalentValue(h.maxValue);
}

export function summarize(h: JsHistogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, avg: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  return {
    count: h.totalCount,
    avg: h.mean,
    min: minValue(h),
    max: maxValue(h),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
  };
}
