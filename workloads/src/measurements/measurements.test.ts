import assert from "node:assert/strict";
import { test } from "node:test";
import { newLatencyHistogram, summarize } from "./histogram.ts";
import { Measurements, mergeSnapshots } from "./measurements.ts";
import { ycsbText } from "./text-report.ts";
import { IntervalRecorder, TimeSeriesMerger, type IntervalSnapshot } from "./time-series.ts";

/** Deterministic latencies with a long tail: a few µs to tens of ms. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const u = x / 2 ** 32;
    return Math.floor(50 + 20 / (1 - u * 0.999) ** 2);
  });
}

test("histograms merged from three workers equal one histogram fed every value", () => {
  const parts = [latencies(20_000, 1), latencies(5_000, 2), latencies(50_000, 3)];
  const workers = parts.map((values) => {
    const m = new Measurements("op", null);
    for (const v of values) m.measure("READ", v, 0);
    m.reportStatus("READ", "OK");
    return m.snapshot();
  });
  const [merged] = mergeSnapshots(workers);
  const single = newLatencyHistogram();
  for (const v of parts.flat()) single.recordValue(v);
  assert.equal(merged.name, "READ");
  assert.deepEqual(summarize(merged.histogram), summarize(single));
  for (const p of [0, 10, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(merged.histogram.getValueAtPercentile(p), single.getValueAtPercentile(p), `p${p}`);
  assert.deepEqual([...merged.statuses], [["OK", 3]]);
  // Averaging the workers' p99 would not give the merged p99: the merge must add counts.
  const averaged = parts.map((values) => {
    const h = newLatencyHistogram();
    for (const v of values) h.recordValue(v);
    return h.getValueAtPercentile(99);
  });
  assert.notEqual(merged.histogram.getValueAtPercentile(99), Math.round(averaged.reduce((a, b) => a + b) / 3));
});

test("warm-up operations are left out of the totals but kept in the time series", () => {
  const intervals: IntervalSnapshot[] = [];
  const series = new IntervalRecorder(0, (s) => intervals.push(s));
  const m = new Measurements("op", series);
  m.recording = false;
  m.measure("READ", 100, 500);
  m.reportStatus("READ", "OK");
  m.recording = true;
  m.measure("READ", 200, 1500);
  m.reportStatus("READ", "OK");
  series.finish();
  const [read] = mergeSnapshots([m.snapshot()]);
  assert.equal(read.histogram.totalCount, 1);
  assert.deepEqual([...read.statuses], [["OK", 1]]);
  assert.deepEqual(intervals.map((i) => i.index), [0, 1]);
});

test("the time series adds every worker's same second, fills idle seconds with zero and marks warm-up", () => {
  const merger = new TimeSeriesMerger();
  for (let w = 0; w < 2; w++) {
    const recorder = new IntervalRecorder(10_000, (s) => merger.add(s));
    for (let i = 0; i < 100; i++) {
      recorder.record("READ", 100 + i, 10_000 + i * 5);
      recorder.countOperation(10_000 + i * 5);
    }
    recorder.record("READ", 1900, 12_500);
    recorder.countOperation(12_500);
    recorder.finish();
  }
  const points = merger.build(2900, 1000);
  assert.deepEqual(points.map((p) => [p.second, p.operations, p.warmup]), [[0, 200, true], [1, 0, false], [2, 2, false]]);
  assert.equal(points[0].measurements.READ.count, 200);
  assert.equal(points[0].measurements.READ.max, 199);
  assert.equal(points[2].measurements.READ.p50, 1900);
  assert.equal(merger.operationsSoFar(), 202);
});

test("intended latencies are reported under Intended-<name> with measurement.interval=both", () => {
  const m = new Measurements("both", null);
  m.measure("READ", 10, 0);
  m.measureIntended("READ", 5000, 0);
  m.reportStatus("READ", "OK");
  assert.deepEqual(mergeSnapshots([m.snapshot()]).map((x) => [x.name, x.histogram.totalCount]), [["READ", 1], ["Intended-READ", 1]]);
});

test("the text report has YCSB's lines, in YCSB's order, with Java's number formatting", () => {
  const m = new Measurements("op", null);
  for (const v of [100, 200, 300, 400]) m.measure("READ", v, 0);
  for (let i = 0; i < 4; i++) m.reportStatus("READ", "OK");
  m.measure("UPDATE", 1000, 0);
  m.reportStatus("UPDATE", "ERROR");
  m.measure("UPDATE-FAILED", 1000, 0);
  const text = ycsbText({ runtimeMs: 2000, operations: 5, gc: { Scavenge: { count: 3, timeMs: 4.2 } }, measurements: mergeSnapshots([m.snapshot()]), percentiles: [95, 99] });
  assert.equal(
    text,
    [
      "[OVERALL], RunTime(ms), 2000",
      "[OVERALL], Throughput(ops/sec), 2.5",
      "[TOTAL_GCS_Scavenge], Count, 3",
      "[TOTAL_GC_TIME_Scavenge], Time(ms), 4",
      "[TOTAL_GC_TIME_%_Scavenge], Time(%), 0.2",
      "[TOTAL_GCs], Count, 3",
      "[TOTAL_GC_TIME], Time(ms), 4",
      "[TOTAL_GC_TIME_%], Time(%), 0.2",
      "[READ], Operations, 4",
      "[READ], AverageLatency(us), 250.0",
      "[READ], MinLatency(us), 100",
      "[READ], MaxLatency(us), 400",
      "[READ], 95thPercentileLatency(us), 400",
      "[READ], 99thPercentileLatency(us), 400",
      "[READ], Return=OK, 4",
      "[UPDATE], Operations, 1",
      "[UPDATE], AverageLatency(us), 1000.0",
      "[UPDATE], MinLatency(us), 1000",
      "[UPDATE], MaxLatency(us), 1000",
      "[UPDATE], 95thPercentileLatency(us), 1000",
      "[UPDATE], 99thPercentileLatency(us), 1000",
      "[UPDATE], Return=ERROR, 1",
      "[UPDATE-FAILED], Operations, 1",
      "[UPDATE-FAILED], AverageLatency(us), 1000.0",
      "[UPDATE-FAILED], MinLatency(us), 1000",
      "[UPDATE-FAILED], MaxLatency(us), 1000",
      "[UPDATE-FAILED], 95thPercentileLatency(us), 1000",
      "[UPDATE-FAILED], 99thPercentileLatency(us), 1000",
      "",
    ].join("\n"),
  );
});
