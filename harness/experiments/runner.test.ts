import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runExperiment } from "./runner.ts";
import type { ExperimentConfig, ExperimentDefinition } from "./types.ts";

const config = (out: string): ExperimentConfig => ({ profile: "fast", cluster: "local", repeat: 1, seed: 1, check: false, tolerance: 0.02, out, saveBaseline: false });

const base: ExperimentDefinition = { name: "fig-coding", what: "test", fastTime: "1s", paperTime: "1s", resources: "none", systems: ["cocytus"] };

async function withOut(body: (out: string) => Promise<void>): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), "runner-"));
  try {
    await body(out);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

test("an experiment that is not built yet fails with what it needs and writes nothing", async () => {
  await withOut(async (out) => {
    const result = await runExperiment({ ...base, needs: "cocytus with RS(k, m) flags" }, config(out), []);
    assert.deepEqual(result, { ok: false, failures: ["fig-coding: not built yet: needs cocytus with RS(k, m) flags"] });
    assert.deepEqual(await readdir(out), []);
  });
});

test("--systems naming a system the experiment does not measure is refused before anything runs", async () => {
  await withOut(async (out) => {
    const result = await runExperiment({ ...base, run: async () => ({ ok: true, failures: [] }) }, { ...config(out), systems: ["pbr"] }, []);
    assert.deepEqual(result.failures, ["--systems: fig-coding measures cocytus; found pbr"]);
  });
});

test("--sizes naming a size the experiment does not have, or given to one without sizes, is refused before anything runs", async () => {
  await withOut(async (out) => {
    const run = async () => ({ ok: true, failures: [] });
    const sized = await runExperiment({ ...base, sizes: ["1k", "4k"], run }, { ...config(out), sizes: ["1k", "64k"] }, []);
    assert.deepEqual(sized.failures, ["--sizes: fig-coding measures 1k, 4k; found 64k"]);
    const unsized = await runExperiment({ ...base, run }, { ...config(out), sizes: ["1k"] }, []);
    assert.deepEqual(unsized.failures, ["--sizes: fig-coding has no value-size settings to choose from"]);
    assert.deepEqual(await readdir(out), []);
  });
});

test("an experiment that throws still gets its teardown, and experiment.json records the failure", async () => {
  await withOut(async (out) => {
    let tornDown = false;
    const result = await runExperiment(
      {
        ...base,
        run: async ({ cleanup }) => {
          cleanup.add("fake deployment", async () => void (tornDown = true));
          throw new Error("the load failed");
        },
      },
      config(out),
      ["fig-coding"],
    );
    assert.equal(tornDown, true);
    assert.equal(result.ok, false);
    assert.deepEqual(result.failures, ["fig-coding: the load failed"]);
    const record = JSON.parse(await readFile(join(result.folder!, "experiment.json"), "utf8"));
    assert.equal(record.status, "failed");
    assert.deepEqual(record.failures, ["fig-coding: the load failed"]);
    assert.equal(record.command, "npm run experiment -- fig-coding");
    assert.match(await readFile(join(result.folder!, "error.txt"), "utf8"), /Error: the load failed/);
  });
});
