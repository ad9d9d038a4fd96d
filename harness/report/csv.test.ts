import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { appendCsv, parseCsv, readCsvRecords, toCsv } from "./csv.ts";

test("CSV written with csv-stringify parses back field for field, quotes and newlines included", () => {
  const rows = [{ a: 'say "hi", twice', b: "line\nbreak", c: 3 }, { a: "", b: "plain", c: 1.5 }];
  const text = toCsv(rows, ["a", "b", "c"]);
  assert.deepEqual(parseCsv(text), [
    ["a", "b", "c"],
    ['say "hi", twice', "line\nbreak", "3"],
    ["", "plain", "1.5"],
  ]);
});

test("appending to a CSV writes the header once and refuses a file with other columns", async () => {
  const folder = await mkdtemp(join(tmpdir(), "csv-"));
  try {
    const path = join(folder, "runs.csv");
    await appendCsv(path, [{ x: 1, y: true }], ["x", "y"]);
    await appendCsv(path, [{ x: 2, y: false }], ["x", "y"]);
    assert.equal(await readFile(path, "utf8"), "x,y\n1,true\n2,false\n");
    assert.deepEqual(await readCsvRecords(path), [
      { x: "1", y: "true" },
      { x: "2", y: "false" },
    ]);
    await assert.rejects(appendCsv(path, [{ x: 3 }], ["x", "z"]), /expected the header x,z, found x,y/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
