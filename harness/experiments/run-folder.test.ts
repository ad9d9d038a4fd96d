import assert from "node:assert/strict";
import { mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RunFolder, timestamp } from "./run-folder.ts";

test("a run folder is named by its UTC timestamp, holds raw/, and latest points at the newest run", async () => {
  const out = await mkdtemp(join(tmpdir(), "runs-"));
  try {
    const now = new Date("2026-11-22T02:24:01.500Z");
    const first = await RunFolder.create(out, "fig-memory", now);
    const second = await RunFolder.create(out, "fig-memory", now);
    assert.equal(first.id, "2026-11-22T02-24-01Z");
    assert.equal(second.id, "2026-11-22T02-24-01Z-2", "a second run in the same second gets its own folder");
    assert.ok((await stat(second.file("raw"))).isDirectory());
    assert.equal(await readlink(join(out, "fig-memory", "latest")), second.id);

    await second.writeJson("raw/x/y.json", { a: 1 });
    await second.writeCsv("t.csv", [{ a: 1, b: "x,y" }], ["a", "b"]);
    assert.deepEqual(JSON.parse(await readFile(second.file("raw/x/y.json"), "utf8")), { a: 1 });
    assert.equal(await readFile(second.file("t.csv"), "utf8"), 'a,b\n1,"x,y"\n');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test("timestamps sort by time and contain no colons", () => {
  assert.equal(timestamp(new Date("2026-01-02T03:04:05.678Z")), "2026-01-02T03-04-05Z");
});
