import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { machine, transparentHugePages } from "./environment.ts";

test("the transparent huge pages mode is the bracketed word of the kernel's file, or unknown", async () => {
  const folder = await mkdtemp(join(tmpdir(), "thp-"));
  try {
    const path = join(folder, "enabled");
    await writeFile(path, "always [madvise] never\n");
    assert.equal(transparentHugePages(path), "madvise");
    await writeFile(path, "[always] madvise never\n");
    assert.equal(transparentHugePages(path), "always");
    await writeFile(path, "nothing selected\n");
    assert.equal(transparentHugePages(path), "unknown");
    assert.equal(transparentHugePages(join(folder, "missing")), "unknown");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test("the machine record has this machine's cores and its huge-page mode", () => {
  const here = machine();
  assert.ok(here.cores >= 1);
  assert.match(here.transparentHugePages, /^(always|madvise|never|unknown)$/);
});
