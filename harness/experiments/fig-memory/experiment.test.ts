import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hasNativeMemcached } from "../../../test/support/memcached.ts";
import { isRunning } from "../../cluster/proc-stats.ts";
import { loadCluster, processFiles, resolveLocalPath } from "../../cluster/index.ts";

function experiment(args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "harness/experiments/main.ts", ...args], { encoding: "utf8", timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test(
  "a tiny real fig-memory run against native memcached fills its run folder, appends runs.csv, and --check fails on the figure that regressed",
  { skip: !hasNativeMemcached() && "native memcached is not installed", timeout: 300_000 },
  async () => {
    const out = await mkdtemp(join(tmpdir(), "fig-memory-"));
    try {
      await mkdir(join(out, "baseline"));
      // 1k: impossibly good baseline (must regress); 4k: generous (passes); 16k and zipf: none.
      await writeFile(join(out, "baseline", "memory.csv"), "system,size,profile,bytes_per_value_byte,commit,date\nmemcached,1k,fast,0.0010,x,y\nmemcached,4k,fast,100000,x,y\n");
      const run = experiment(["fig-memory", "--systems", "memcached", "--records", "2000", "--out", out, "--check", "--seed", "7"]);
      assert.equal(run.code, 1, `expected exit code 1 from --check\n${run.stderr}`);
      assert.match(run.stdout, /memcached\s+1k\s+–\s+–\s+–\s+0\.0010\s+\d+\.\d{4}\s+\+\d+\.\d %\s+REGRESSION/);
      assert.match(run.stdout, /memcached\s+4k\s+–\s+–\s+–\s+100000\.0000\s+.*better/);
      assert.match(run.stdout, /no baseline for memcached 16k/);
      assert.match(run.stdout, /check FAILED: 1 row\(s\) worse than the baseline by more than the tolerance \(stats 2 %, RSS 2 %\)/);
      assert.match(run.stderr, /FAILED fig-memory --check: worse than the baseline: memcached 1k \(RSS \+\d+\.\d %\)/);
      assert.match(run.stderr, /memcached 1k \(RSS \+\d+\.\d %\) worse than the baseline: confirming \(2\/2\)/, "a regression is measured twice more before it counts");

      const parent = join(out, "fig-memory");
      const folder = join(parent, await readlink(join(parent, "latest")));
      const files = await readdir(folder);
      for (const name of ["experiment.json", "memory.csv", "memory-repeats.csv", "figure-data.json", "fig-memory.vl.json", "fig-memory.svg", "fig-memory.png", "summary.md", "raw"]) {
        assert.ok(files.includes(name), `run folder should hold ${name}; it holds ${files.join(", ")}`);
      }
      const record = JSON.parse(await readFile(join(folder, "experiment.json"), "utf8"));
      assert.equal(record.experiment, "fig-memory");
      assert.equal(record.status, "failed");
      assert.equal(record.seed, 7);
      assert.equal(record.config.records, 2000);
      assert.match(record.git.commit, /^[0-9a-f]{40}$|^unknown$/);
      assert.equal(typeof record.git.dirty, "boolean");
      assert.equal(record.versions.node, process.versions.node);
      assert.match(record.versions["vega-lite"], /^\d+\.\d+\.\d+/);
      assert.match(record.versions.memcached, /^\d+\.\d+/);
      assert.ok(record.machine.cores >= 1 && record.machine.memoryBytes > 0 && record.machine.kernel.length > 0);

      const raw = await readdir(join(folder, "raw"));
      for (const size of ["1k", "4k", "16k", "zipf"]) {
        assert.ok(raw.includes(`memcached-${size}.json`) && raw.includes(`memcached-${size}-load.json`), `raw/ should hold memcached-${size}.json and -load.json; it holds ${raw.join(", ")}`);
      }
      assert.ok(raw.includes("memcached-1k-r2.json") && raw.includes("memcached-1k-r3.json"), `raw/ should hold the two confirmations of 1k; it holds ${raw.join(", ")}`);
      assert.ok(!raw.includes("memcached-4k-r2.json"), "a figure within the baseline is not measured again");
      const measurement = JSON.parse(await readFile(join(folder, "raw", "memcached-1k.json"), "utf8"));
      assert.equal(measurement.processes.length, 15);
      assert.equal(measurement.load.records, 2000);
      assert.equal(measurement.load.valueBytes, 2000 * 1024, "1 KB values, as the client counted them");
      assert.ok(measurement.processes.every((p: { rssAfter: number; statsAfter: { curr_items?: string } }) => p.rssAfter > 0 && p.statsAfter.curr_items !== undefined));
      const driver = JSON.parse(await readFile(join(folder, "raw", "memcached-1k-load.json"), "utf8"));
      assert.equal(driver.format, "ycsb-ts-result/1");
      assert.equal(driver.measurements.INSERT.statuses.OK, 2000);
      assert.equal(typeof driver.measurements.INSERT.histogram, "string");

      const csv = (await readFile(join(folder, "memory.csv"), "utf8")).trim().split("\n");
      assert.equal(csv.length, 5, "a header and one row per size");
      const svg = await readFile(join(folder, "fig-memory.svg"), "utf8");
      assert.equal(svg.split('aria-roledescription="bar"').length - 1, 4, "one memcached bar per size, no savings bars without pbr and cocytus");
      assert.equal(svg.split('aria-roledescription="point"').length - 1, 0, "no paper savings points without savings of ours beside them");
      const summary = await readFile(join(folder, "summary.md"), "utf8");
      assert.match(summary, /\| memcached \(native, 15 processes\) \|/);
      assert.match(summary, /\| memcached 1\.6\.18, one process \| 1\.18 \|/);

      const runs = (await readFile(join(out, "runs.csv"), "utf8")).trim().split("\n");
      assert.equal(runs.length, 5);
      assert.match(runs[1], /^[0-9a-f]{40},(true|false),\d{4}-.*,memcached,1k,\d+\.\d{4},,fast,local,2000,2048000,1,fig-memory\//);

      const rerender = experiment(["--render", folder]);
      assert.equal(rerender.code, 0, rerender.stderr);
      assert.match(rerender.stdout, /rendered fig-memory\.svg, fig-memory\.png/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);

test("the experiment command answers a wrong name with the right ones and lists what each experiment does", () => {
  const wrong = experiment(["fig-memroy"]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /unknown experiment "fig-memroy"; expected one of: fig-memory, fig-throughput/);
  const list = experiment(["--list"]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^fig-memory {2}\[built\]\n {2}what: {6}RSS growth per value byte/m);
  assert.match(list.stdout, /time: {6}--fast .*; --paper /);
  assert.match(list.stdout, /^all {2}runs every experiment/m);
});


test("Ctrl-C during loading tears down every process the run started and records the run as interrupted", { skip: !hasNativeMemcached() && "native memcached is not installed", timeout: 120_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), "fig-memory-"));
  const child = spawn(process.execPath, ["--import", "tsx", "harness/experiments/main.ts", "fig-memory", "--systems", "memcached", "--records", "200000", "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no loading phase within 60 s:\n${stderr}`)), 60_000);
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/memcached · 1 KB: loading/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const pids = await startedMemcachedPids();
    assert.equal(pids.length, 15);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    assert.equal(await exited, 130);
    for (const pid of pids) assert.equal(isRunning(pid), false, `memcached pid ${pid} must be gone`);
    const parent = join(out, "fig-memory");
    const record = JSON.parse(await readFile(join(parent, await readlink(join(parent, "latest")), "experiment.json"), "utf8"));
    assert.equal(record.status, "interrupted");
  } finally {
    child.kill("SIGKILL");
    await rm(out, { recursive: true, force: true });
  }
});

/** The pids the local executor recorded for memcached-0..14 (pidfiles in each node's workDir). */
async function startedMemcachedPids(): Promise<number[]> {
  const cluster = loadCluster("local");
  return Promise.all(
    Array.from({ length: 15 }, async (_, p) => {
      const node = cluster.nodes[p % cluster.nodes.length];
      return Number((await readFile(resolveLocalPath(processFiles(node, `memcached-${p}`).pidPath), "utf8")).trim());
    }),
  );
}
