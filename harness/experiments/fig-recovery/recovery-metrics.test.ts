import assert from "node:assert/strict";
import { test } from "node:test";
import { failovers, killBefore, recoveryEpisodes, summarizeFaultRun, throughputDip, windowStats } from "./recovery-metrics.ts";
import { fixedFaultRun, point, startedAtMs } from "./test-fixtures.ts";

test("recovery episodes are cut out of the per-second stats: pages and waits per episode, not the leader's running totals", () => {
  const episodes = recoveryEpisodes(fixedFaultRun());
  assert.deepEqual(
    episodes.map((e) => [e.process, e.kill, e.startMs - startedAtMs, e.endMs - startedAtMs, e.prepBlockMs, e.pagesRepaired, e.requestsWaited, e.preparations]),
    [
      ["cocytus-g0-parity0", 0, 5600, 6610, 10, 250, 3, 1],
      ["cocytus-g1-parity0", 0, 5700, 6200, 8, 150, 0, 1],
      ["cocytus-g0-parity0", 1, 12_300, 13_312, 12, 500, 5, 1],
    ],
  );
  // 250 pages of 4 KiB repaired in the 1000 ms after a 10 ms preparation.
  assert.equal(episodes[0].bytesRepaired, 250 * 4096);
  assert.equal(episodes[0].bytesPerSec, 250 * 4096);
  assert.equal(episodes[2].bytesPerSec, 500 * 4096);
  assert.equal(episodes[2].hosted, "0,1");
});

test("a recovery still running at the last reading has no end and no rate", () => {
  const run = fixedFaultRun();
  run.stats = run.stats.filter((r) => r.t < startedAtMs + 14_000);
  const last = recoveryEpisodes(run).at(-1)!;
  assert.equal(last.endMs, 0);
  assert.equal(last.bytesPerSec, undefined);
  assert.equal(last.pagesRepaired, 150, "400 − 250 pages so far");
  const summary = summarizeFaultRun(run);
  assert.equal(summary.kills[1].aftermath.endSecond, undefined);
  assert.equal(summary.kills[1].recovery, undefined);
});

test("a kill owns the recoveries that started after it", () => {
  const kills = fixedFaultRun().kills;
  assert.equal(killBefore(kills, startedAtMs + 1000), -1);
  assert.equal(killBefore(kills, startedAtMs + 5600), 0);
  assert.equal(killBefore(kills, startedAtMs + 12_300), 1);
});

test("pbr takeovers are seen where pbr_failovers grows, with the server's takeover time", () => {
  const found = failovers(fixedFaultRun({ system: "pbr" }));
  assert.deepEqual(found.map((f) => [f.process, f.kill, f.takeoverMs]), [["pbr-g0-backup1", 0, 800]]);
  const summary = summarizeFaultRun(fixedFaultRun({ system: "pbr" }));
  assert.equal(summary.kills[0].aftermath.endSecond, 5.5 + 0.8);
  assert.equal(summary.kills[1].aftermath.endSecond, undefined, "no takeover seen after the second kill");
});

test("windows merge the per-second histograms: the recovery window's latency is the slow seconds', the window before is the fast ones'", () => {
  const summary = summarizeFaultRun(fixedFaultRun());
  assert.deepEqual([summary.before.fromSecond, summary.before.toSecond, summary.before.seconds], [2, 5, 3]);
  assert.equal(summary.before.opsPerSec, 1000);
  assert.equal(summary.before.failed, 0);
  assert.equal(summary.before.latency.READ?.p50, 400);
  const first = summary.kills[0];
  assert.equal(first.aftermath.endSecond, 6.61);
  // Both leaders: 400 pages from the first repair start (5610 ms) to the last end (6610 ms).
  assert.equal(first.aftermath.clusterBytesPerSec, 400 * 4096);
  assert.deepEqual([first.recovery?.fromSecond, first.recovery?.toSecond], [5, 7]);
  assert.equal(first.recovery?.opsPerSec, 200);
  assert.equal(first.recovery?.failed, 20);
  assert.ok(Math.abs((first.recovery?.latency.READ?.p99 ?? 0) - 2000) <= 2, "HdrHistogram keeps 3 significant digits");
  assert.ok(Math.abs((first.recovery?.latency.UPDATE?.p50 ?? 0) - 4000) <= 4);
  assert.equal(first.recovery?.latency.ALL?.count, 400);
  assert.deepEqual([first.untilNext.fromSecond, first.untilNext.toSecond], [5, 12]);
});

test("the throughput dip is the lowest full second after a kill against the mean before", () => {
  const summary = summarizeFaultRun(fixedFaultRun());
  assert.deepEqual(summary.kills[0].dip, { lowestOpsPerSec: 200, lowestSecond: 5, lowestRatio: 0.2, secondsBelowHalf: 2 });
  const series = [point(0, 100, 400), { ...point(1, 10, 400), durationMs: 300 }];
  assert.equal(throughputDip(series, 100, 1, 2), undefined, "a partial last second is no dip");
  assert.equal(throughputDip(series, 0, 0, 2), undefined);
});

test("a window with no operations reports zero throughput and no latency", () => {
  const stats = windowStats([point(3, 0, 400)], 3, 4);
  assert.equal(stats.opsPerSec, 0);
  assert.deepEqual(stats.latency, {});
});
