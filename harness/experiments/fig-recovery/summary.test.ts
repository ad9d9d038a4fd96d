import assert from "node:assert/strict";
import { test } from "node:test";
import { recoverySummary } from "./summary.ts";
import { fixedFaultRun } from "./test-fixtures.ts";

const decode = { codec: "gf256-vandermonde" as const, k: 3, m: 2, lostPages: 1, calls: 1000, seconds: 1, bytesPerSec: 300e6, roundsBytesPerSec: [250e6, 300e6, 120e6] };

test("the fig-recovery summary puts the recovery, failover and latency numbers computed from the runs beside the paper's", () => {
  const text = recoverySummary({ runs: [fixedFaultRun({ system: "pbr" }), fixedFaultRun()], unavailable: [], header: ["Run x."], decode });
  // Cocytus, kill 1: two leaders, preparations of 8 and 10 ms, 400 pages (1.6 MB) in 1 s (1.0 and 1.2 MB/s each), 3 requests waited, last page 1.11 s after the kill.
  assert.match(text, /\| cocytus \| 1: node 0 \| 2 \| 8–10 \| ≤ 13 ✓ \| 400 \| 1\.6 \| 1\.6 \| 1\.0 \| 3 \| 1\.11 \|/);
  assert.match(text, /\| cocytus \| 2: node 1 \| 1 \| 12 \| ≤ 13 ✓ \| 500 \| 2\.0 \| 2\.0 \| 2\.0 \| 5 \| 1\.06 \|/);
  assert.match(text, /\| preparation blocks requests \(ms\) \| 8–12 \| 7–13 /);
  assert.match(text, /\| the codec's decode rate here \(MB\/s of rebuilt pages\) \| 300 \(gf256-vandermonde, RS\(3,2\), 1 lost page per call, in-process, best of 3 rounds: 250, 300, 120\)/);
  assert.match(text, /\| pbr \| node 0 at 5\.5 s \| 1 \| 800 \| pbr-g0-backup1 \|/);
  assert.match(text, /\| pbr \| node 1 at 12\.3 s \| 0 \| – \| – \|/);
  // Throughput: 1000 ops/s before, 200 in the worst second (20 %), 2 seconds below half; until the next kill (5 s to 12 s) 771 ops/s and 20 failed ops.
  assert.match(text, /\| cocytus \| node 0 at 5\.5 s \| 1000 \| 200 at 5 s \(20 %\) \| 2 \| 1\.11 \| 771 \| 20 \|/);
  // Latency from merged histograms: reads at 400 µs and updates at 800 µs before; 2000 / 4000 µs during recovery.
  assert.match(text, /\| cocytus \| before the first kill \| 2–5 \| 3000 \| 400 \| 400 \| 800 \| 400 \| 800 \|  \|$/m);
  assert.match(text, /\| cocytus \| recovery after kill 1 \| 5–7 \| 400 \| 2000 \| 2000 \| 400[01] \| 2000 \| 400[01] \| 408 \/ 753 \/ 1117/);
  assert.match(text, /\| pbr \| takeover after kill 1 \| 5–7 \| 400 \|/);
  assert.doesNotMatch(text, /## Verification failures/);
});

test("lost acknowledged writes and systems that could not run are named in the summary", () => {
  const run = { ...fixedFaultRun(), missingAcknowledged: 2, verificationExamples: ["user1: missing"] };
  const text = recoverySummary({ runs: [run], unavailable: [{ system: "pbr", reason: "could not be brought up: port in use" }], header: [] });
  assert.match(text, /- \*\*cocytus\*\*: 0 corrupted reads, 2 acknowledged keys missing; examples: user1: missing/);
  assert.match(text, /- \*\*pbr\*\*: could not be brought up: port in use/);
  assert.match(text, /\| the codec's decode rate here \(MB\/s of rebuilt pages\) \| not measured \|/);
});
