import assert from "node:assert/strict";
import { test } from "node:test";
import type { ProcessInfo } from "../../deploy/types.ts";
import type { OperationResult, YcsbResult } from "../../../workloads/src/index.ts";
import { medianRuns, runProblem } from "./campaign.ts";
import { rawPrefix, runRecord, type SystemRuns } from "./measurement.ts";
import { fixedRun } from "./test-fixtures.ts";

function op(count: number, p50: number): OperationResult {
  return { count, avg: p50, min: 1, max: p50 * 4, p50, p90: p50 * 2, p95: p50 * 2, p99: p50 * 3, p999: p50 * 4, statuses: { OK: count }, histogram: "HISTFAAA" };
}

function driverResult(target: number, measurements: Record<string, OperationResult>): YcsbResult {
  const partial: Partial<YcsbResult> = { target, threadCount: 8, runtimeMs: 2000, operations: 1000, throughput: 500, measurements, verification: { verifiedOk: 900, corrupted: 1, missingAcknowledged: 2, examples: [] } };
  return partial as YcsbResult;
}

const processes: ProcessInfo[] = [
  { id: "pbr-g0-primary", node: 0, role: "primary", group: 0, index: 0, host: "127.0.1.1", port: 1, pid: 10 },
  { id: "pbr-g0-backup1", node: 1, role: "backup", group: 0, index: 1, host: "127.0.1.2", port: 2, pid: 11 },
];
const meta = { variant: { label: "pbr", system: "pbr" as const }, size: "1k" as const, repeat: 0, readRatio: 95 as const, rawFile: "raw/pbr-1k-95-closed.json", processes };
const window = { seconds: 2, processes: { "pbr-g0-primary": 1.5, "pbr-g0-backup1": 0.25 }, clientCpuSeconds: 1 };

test("a closed-loop record takes READ and UPDATE latencies as measured, counts failed operations and verification problems", () => {
  const record = runRecord(meta, driverResult(0, { READ: op(950, 100), UPDATE: op(40, 300), "UPDATE-FAILED": op(10, 5000), "Intended-READ": op(950, 999) }), window);
  assert.equal(record.loop, "closed");
  assert.equal(record.latency.READ?.p50, 100);
  assert.equal(record.latency.UPDATE?.p99, 900);
  assert.equal(record.latency.UPDATE?.histogram, "HISTFAAA");
  assert.equal(record.failedOperations, 10);
  assert.equal(record.corrupted, 1);
  assert.equal(record.missingAcknowledged, 2);
  assert.deepEqual(record.cpu.processes, [
    { id: "pbr-g0-primary", role: "primary", node: 0, cpuSeconds: 1.5 },
    { id: "pbr-g0-backup1", role: "backup", node: 1, cpuSeconds: 0.25 },
  ]);
  assert.match(runProblem(record) ?? "", /1 corrupted reads and 2 acknowledged keys missing/);
});

test("an open-loop record reports latencies from the intended start (coordinated omission corrected)", () => {
  const record = runRecord(meta, driverResult(400, { READ: op(950, 100), "Intended-READ": op(950, 250), UPDATE: op(50, 300), "Intended-UPDATE": op(50, 700) }), window);
  assert.equal(record.loop, "open");
  assert.equal(record.targetOpsPerSec, 400);
  assert.equal(record.latency.READ?.p50, 250);
  assert.equal(record.latency.UPDATE?.p50, 700);
  assert.equal(record.serviceLatency?.READ?.p50, 100, "the send-to-answer latency is kept beside it");
});

test("a run phase with more than 1 % failed operations, or none done, is not a clean measurement", () => {
  assert.equal(runProblem(fixedRun("plain", "1k", 50, 100)), undefined);
  assert.match(runProblem({ ...fixedRun("plain", "1k", 50, 100), failedOperations: 11 }) ?? "", /11 of 1000 operations failed/);
  assert.match(runProblem({ ...fixedRun("plain", "1k", 50, 100), operations: 0 }) ?? "", /no operation completed/);
});

test("with repeats, the run with the median throughput of each system, size, ratio and loop is kept", () => {
  const setting = (throughputs: number[]): SystemRuns[] =>
    throughputs.map((t, repeat) => ({ variant: { label: "plain", system: "plain" }, size: "1k", repeat, load: { records: 1, valueBytes: 1, seconds: 1, failed: 0 }, runs: [{ ...fixedRun("plain", "1k", 95, t), repeat }], processes: [] }));
  const chosen = medianRuns(setting([300, 100, 200]));
  assert.deepEqual(chosen.map((r) => [r.throughput, r.repeat]), [[200, 2]]);
});

test("raw file names are made of the system label, size and repeat", () => {
  assert.equal(rawPrefix({ label: "RS(2,3)", system: "cocytus", k: 2, m: 3 }, "1k", 0, 1), "rs-2-3-1k");
  assert.equal(rawPrefix({ label: "pbr", system: "pbr" }, "zipf", 1, 3), "pbr-zipf-r2");
});
