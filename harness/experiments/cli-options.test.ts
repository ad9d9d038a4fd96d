import assert from "node:assert/strict";
import { test } from "node:test";
import { parseExperimentArgs, type ExperimentCommand } from "./cli-options.ts";
import { experimentNames } from "./types.ts";

function run(argv: string[]): Extract<ExperimentCommand, { kind: "run" }> {
  const command = parseExperimentArgs(argv);
  assert.equal(command.kind, "run");
  return command as Extract<ExperimentCommand, { kind: "run" }>;
}

test("an experiment name alone runs it with --fast, the local cluster, one repeat and the default seed", () => {
  const command = run(["fig-memory"]);
  assert.deepEqual(command.names, ["fig-memory"]);
  assert.deepEqual(command.config, { profile: "fast", cluster: "local", repeat: 1, seed: 42, check: false, tolerance: 0.02, rssTolerance: undefined, out: "results", systems: undefined, sizes: undefined, records: undefined, saveBaseline: false });
});

test("every option is read and resolved", () => {
  const command = run(["fig-memory", "--paper", "--cluster", "netns", "--repeat", "3", "--check", "--tolerance", "6", "--rss-tolerance", "15", "--out", "/tmp/r", "--seed", "-7", "--systems", "plain, memcached", "--sizes", "16k,zipf", "--records", "2000", "--save-baseline"]);
  assert.deepEqual(command.config, { profile: "paper", cluster: "netns", repeat: 3, seed: -7, check: true, tolerance: 0.06, rssTolerance: 0.15, out: "/tmp/r", systems: ["plain", "memcached"], sizes: ["16k", "zipf"], records: 2000, saveBaseline: true });
});

test("all names every experiment of the contract", () => {
  assert.deepEqual(run(["all"]).names, [...experimentNames]);
});

test("a wrong name is refused with the list of right ones", () => {
  assert.throws(() => parseExperimentArgs(["fig-memroy"]), /unknown experiment "fig-memroy"; expected one of: fig-memory, fig-throughput, fig-latency, table-cpu, fig-recovery, fig-coding, fig-blocked, all/);
  assert.throws(() => parseExperimentArgs([]), /expected an experiment name/);
});

test("bad option values say what was expected and what was found", () => {
  assert.throws(() => parseExperimentArgs(["fig-memory", "--repeat", "0"]), /--repeat must be an integer from 1 to 100, found "0"/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--repeat", "2x"]), /--repeat must be an integer/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--seed", "1.5"]), /--seed must be an integer/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--tolerance", "0"]), /--tolerance must be a percentage above 0 and at most 100, found "0"/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--tolerance", "2%"]), /--tolerance must be a percentage/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--rss-tolerance", "200"]), /--rss-tolerance must be a percentage above 0 and at most 100, found "200"/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--cluster", "a b"]), /--cluster must be a cluster name/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--fast", "--paper"]), /cannot be used with option '--paper'/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--fats"]), /unknown option '--fats'/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--systems", "plain,,pbr"]), /--systems must be a comma-separated list/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--sizes", "1k,"]), /--sizes must be a comma-separated list of value sizes, found "1k,"/);
  assert.throws(() => parseExperimentArgs(["fig-memory", "--records", "-1"]), /--records must be an integer from 1 to 100000000, found "-1"/);
});

test("--list and --render need no experiment to run", () => {
  assert.deepEqual(parseExperimentArgs(["--list"]), { kind: "list" });
  assert.deepEqual(parseExperimentArgs(["--render", "results/fig-memory/latest"]), { kind: "render", folder: "results/fig-memory/latest" });
  assert.throws(() => parseExperimentArgs(["fig-memory", "--render", "x"]), /--render takes a run folder and no experiment name/);
});
