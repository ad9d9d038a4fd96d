import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { appendRuns, checkTable, compareWithBaseline, readBaseline, regressionText, saveBaseline, type RunIdentity } from "./regression.ts";
import { fixedMeasurement } from "./test-fixtures.ts";

const run: RunIdentity = { commit: "abc123", dirty: false, date: "2026-11-22T00:00:00.000Z", profile: "fast", cluster: "local", repeats: 1, run: "fig-memory/x" };

async function withFolder(body: (folder: string) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "regression-"));
  try {
    await body(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const header = "system,size,profile,bytes_per_value_byte,stats_bytes_per_value_byte,commit,date";

test("--check fails when the servers' own account is more than 2 % worse than the baseline, and its table names it", async () => {
  await withFolder(async (folder) => {
    const path = join(folder, "memory.csv");
    await writeFile(path, `${header}\nplain,1k,fast,1.1000,1.0000,x,y\nplain,4k,fast,1.1000,1.0000,x,y\n`);
    const measured = [fixedMeasurement("plain", "1k", 1.1, { data: 1.0, metadata: 0.03 }), fixedMeasurement("plain", "4k", 1.1, { data: 1.0, metadata: 0.0 })];
    const result = compareWithBaseline(measured, await readBaseline(path), "fast");
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.regressions.map((r) => regressionText(r)),
      ["plain 1k (stats +3.0 %)"],
    );
    const table = checkTable(result);
    assert.match(table, /plain\s+1k\s+1\.0000\s+1\.0300\s+\+3\.0 %\s+1\.1000\s+1\.1000\s+0\.0 %\s+REGRESSION/);
    assert.match(table, /check FAILED: 1 row\(s\) worse than the baseline by more than the tolerance \(stats 2 %, RSS 2 %\)/);
  });
});

test("--check fails when RSS is more than its tolerance worse, even with the servers' account unchanged", () => {
  const baseline = [{ system: "cocytus", size: "zipf", profile: "fast", bytesPerValueByte: 5.0, statsBytesPerValueByte: 3.0 }];
  const measured = (rss: number) => [fixedMeasurement("cocytus", "zipf", rss, { data: 2.0, metadata: 1.0 })];
  const tolerances = { stats: 0.02, rss: 0.15 };
  assert.equal(compareWithBaseline(measured(5.5), baseline, "fast", tolerances).ok, true, "10 % more RSS passes a 15 % RSS tolerance");
  const failed = compareWithBaseline(measured(5.8), baseline, "fast", tolerances);
  assert.equal(failed.ok, false);
  assert.equal(regressionText(failed.regressions[0], tolerances), "cocytus zipf (RSS +16.0 %)");
  assert.match(checkTable(failed, tolerances), /\(stats 2 %, RSS 15 %\)/);
});

test("--check passes within 2 % and when memory went down", async () => {
  const baseline = [
    { system: "plain", size: "1k", profile: "fast", bytesPerValueByte: 1.0, statsBytesPerValueByte: 1.0 },
    { system: "pbr", size: "1k", profile: "fast", bytesPerValueByte: 3.3, statsBytesPerValueByte: 3.3 },
    { system: "memcached", size: "1k", profile: "fast", bytesPerValueByte: 1.2 },
  ];
  const measured = [fixedMeasurement("plain", "1k", 1.019, { data: 1.0, metadata: 0.019 }), fixedMeasurement("pbr", "1k", 3.0, { data: 2.9, metadata: 0.1 }), fixedMeasurement("memcached", "1k", 1.21)];
  const result = compareWithBaseline(measured, baseline, "fast");
  assert.equal(result.ok, true);
  assert.deepEqual(
    result.rows.map((r) => r.verdict),
    ["ok", "better", "ok"],
  );
  assert.match(checkTable(result), /check passed/);
});

test("--tolerance widens the check: 3 % worse passes at 6 % and the table says 6 %", () => {
  const baseline = [{ system: "plain", size: "1k", profile: "fast", bytesPerValueByte: 1.0 }];
  const six = { stats: 0.06, rss: 0.06 };
  const result = compareWithBaseline([fixedMeasurement("plain", "1k", 1.03)], baseline, "fast", six);
  assert.equal(result.ok, true);
  assert.match(checkTable(result, six), /check passed: no figure worse than the baseline by more than its tolerance \(stats 6 %, RSS 6 %\)/);
  assert.equal(compareWithBaseline([fixedMeasurement("plain", "1k", 1.07)], baseline, "fast", six).ok, false);
});

test("a baseline saved before the stats column checks RSS alone", async () => {
  await withFolder(async (folder) => {
    const path = join(folder, "memory.csv");
    await writeFile(path, "system,size,profile,bytes_per_value_byte,commit,date\nplain,1k,fast,1.0000,x,y\n");
    const baseline = await readBaseline(path);
    assert.deepEqual(baseline, [{ system: "plain", size: "1k", profile: "fast", bytesPerValueByte: 1.0 }]);
    const result = compareWithBaseline([fixedMeasurement("plain", "1k", 1.0, { data: 2.0, metadata: 0 })], baseline, "fast");
    assert.equal(result.ok, true, "a stats figure with no baseline is not compared");
    assert.equal(compareWithBaseline([fixedMeasurement("plain", "1k", 1.05, { data: 1.0, metadata: 0 })], baseline, "fast").ok, false);
  });
});

test("a system or size without a baseline row is reported, not failed", () => {
  const result = compareWithBaseline([fixedMeasurement("cocytus", "16k", 9.9)], [{ system: "cocytus", size: "16k", profile: "paper", bytesPerValueByte: 1.7 }], "fast");
  assert.equal(result.ok, true);
  assert.equal(result.rows[0].verdict, "no baseline");
  assert.match(checkTable(result), /no baseline for cocytus 16k/);
});

test("a missing baseline file is an empty baseline; a malformed one names the line", async () => {
  await withFolder(async (folder) => {
    assert.deepEqual(await readBaseline(join(folder, "none.csv")), []);
    const path = join(folder, "memory.csv");
    await writeFile(path, "system,size,profile,bytes_per_value_byte,commit,date\nplain,1k,fast,lots,x,y\n");
    await assert.rejects(readBaseline(path), /memory\.csv:2: bytes_per_value_byte must be a positive number, found "lots"/);
    await writeFile(path, `${header}\nplain,1k,fast,1.1,-1,x,y\n`);
    await assert.rejects(readBaseline(path), /memory\.csv:2: stats_bytes_per_value_byte must be a positive number, found "-1"/);
  });
});

test("runs.csv gains one row per system and size on every run, and a saved baseline reads back", async () => {
  await withFolder(async (folder) => {
    const runs = join(folder, "runs.csv");
    await appendRuns(runs, [fixedMeasurement("plain", "1k", 1.05, { data: 1, metadata: 0.04 })], run);
    await appendRuns(runs, [fixedMeasurement("plain", "1k", 1.06), fixedMeasurement("plain", "4k", 1.02)], { ...run, commit: "def456" });
    const lines = (await readFile(runs, "utf8")).trim().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^commit,dirty,date,system,size,bytes_per_value_byte,/);
    assert.match(lines[1], /^abc123,false,2026-11-22T00:00:00.000Z,plain,1k,1.0500,1.0400,fast,local,1024,1048576,1,fig-memory\/x$/);
    assert.match(lines[3], /^def456,.*,plain,4k,1.0200,,/);

    const baseline = join(folder, "baseline.csv");
    await saveBaseline(baseline, [fixedMeasurement("pbr", "zipf", 5.5, { data: 3.0, metadata: 1.5 }), fixedMeasurement("memcached", "zipf", 3.1)], run);
    assert.deepEqual(await readBaseline(baseline), [
      { system: "pbr", size: "zipf", profile: "fast", bytesPerValueByte: 5.5, statsBytesPerValueByte: 4.5 },
      { system: "memcached", size: "zipf", profile: "fast", bytesPerValueByte: 3.1 },
    ]);

    await saveBaseline(baseline, [fixedMeasurement("pbr", "zipf", 5.2, { data: 3.0, metadata: 1.3 })], { ...run, commit: "def456" });
    assert.deepEqual(
      await readBaseline(baseline),
      [
        { system: "memcached", size: "zipf", profile: "fast", bytesPerValueByte: 3.1 },
        { system: "pbr", size: "zipf", profile: "fast", bytesPerValueByte: 5.2, statsBytesPerValueByte: 4.3 },
      ],
      "a run of pbr alone renews pbr's row and keeps memcached's",
    );
    assert.match(await readFile(baseline, "utf8"), /memcached,zipf,fast,3\.1000,,abc123,/);
  });
});
