import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { appendRuns, checkTable, compareWithBaseline, readBaseline, saveBaseline, type RunIdentity } from "./regression.ts";
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

test("--check fails when a figure is more than 2 % worse than the baseline, and its table names it", async () => {
  await withFolder(async (folder) => {
    const path = join(folder, "memory.csv");
    await writeFile(path, "system,size,profile,bytes_per_value_byte,commit,date\nplain,1k,fast,1.0000,x,y\nplain,4k,fast,1.0000,x,y\n");
    const result = compareWithBaseline([fixedMeasurement("plain", "1k", 1.03), fixedMeasurement("plain", "4k", 1.0)], await readBaseline(path), "fast");
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.regressions.map((r) => `${r.system} ${r.size}`),
      ["plain 1k"],
    );
    const table = checkTable(result);
    assert.match(table, /plain\s+1k\s+1\.0000\s+1\.0300\s+\+3\.0 %\s+REGRESSION/);
    assert.match(table, /check FAILED: 1 figure\(s\) more than 2 % worse/);
  });
});

test("--check passes within 2 % and when memory went down", async () => {
  const baseline = [
    { system: "plain", size: "1k", profile: "fast", bytesPerValueByte: 1.0 },
    { system: "pbr", size: "1k", profile: "fast", bytesPerValueByte: 3.3 },
  ];
  const result = compareWithBaseline([fixedMeasurement("plain", "1k", 1.019), fixedMeasurement("pbr", "1k", 3.0)], baseline, "fast");
  assert.equal(result.ok, true);
  assert.deepEqual(
    result.rows.map((r) => r.verdict),
    ["ok", "better"],
  );
  assert.match(checkTable(result), /check passed/);
});

test("--tolerance widens the check: 3 % worse passes at 6 % and the table says 6 %", () => {
  const baseline = [{ system: "plain", size: "1k", profile: "fast", bytesPerValueByte: 1.0 }];
  const result = compareWithBaseline([fixedMeasurement("plain", "1k", 1.03)], baseline, "fast", 0.06);
  assert.equal(result.ok, true);
  assert.match(checkTable(result, 0.06), /check passed: no figure more than 6 % worse/);
  assert.equal(compareWithBaseline([fixedMeasurement("plain", "1k", 1.07)], baseline, "fast", 0.06).ok, false);
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
    await saveBaseline(baseline, [fixedMeasurement("pbr", "zipf", 5.5)], run);
    assert.deepEqual(await readBaseline(baseline), [{ system: "pbr", size: "zipf", profile: "fast", bytesPerValueByte: 5.5 }]);
  });
});
