import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const bin = fileURLToPath(new URL("../../bin/ycsb-ts.mjs", import.meta.url));

function ycsb(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Printed by YCSB's generator code on JDK 17 with ThreadLocalRandom replaced by SplittableRandom(42).
const JAVA_SEED_42_0_999: Record<string, number[]> = {
  zipfian: [1, 3, 6, 0, 371, 2, 222, 6, 55, 2, 20, 24, 25, 79, 2, 0],
  scrambledzipfian: [672, 457, 304, 620, 728, 144, 579, 8, 472, 803, 563, 585, 872, 929, 177, 587],
  uniform: [203, 291, 858, 764, 250, 554, 925, 708, 5, 642, 207, 646, 218, 121, 660, 130],
  latest: [996, 993, 999, 628, 997, 777, 993, 944, 997, 979, 975, 974, 920, 997, 999, 978],
  hotspot: [91, 164, 154, 108, 42, 46, 121, 130, 61, 8, 641, 87, 185, 25, 805, 34],
};

test("`ycsb-ts gen` prints, one per line, the draws YCSB's Java generators make for the same seed", () => {
  for (const [dist, expected] of Object.entries(JAVA_SEED_42_0_999)) {
    const result = ycsb("gen", "--dist", dist, "--min", "0", "--max", "999", "--seed", "42", "--count", "16");
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, expected.map((n) => `${n}\n`).join(""), dist);
  }
});

test("`gen` takes --name=value too, and large ranges and negative seeds", () => {
  const result = ycsb("gen", "--dist=scrambledzipfian", "--min=100", "--max=2147483646", "--seed=-3", "--count=8");
  assert.equal(result.status, 0, result.stderr);
  // JDK 17 output for the same generator and seed.
  assert.equal(result.stdout, "1211398827\n1558598445\n2032977085\n692653991\n706487608\n973271689\n1641473303\n1965320306\n");
});

test("bad gen options exit with status 2 and a message naming the option", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--dist", "pareto", "--max", "9"], /--dist must be one of zipfian, scrambledzipfian, uniform, latest, hotspot, found "pareto"/],
    [["--dist", "uniform", "--min", "abc", "--max", "9"], /--min must be an integer, found "abc"/],
    [["--dist", "uniform", "--max", "1", "--min", "5"], /--max must be ≥ --min \(5\), found 1/],
    [["--dist", "uniform", "--max", "9", "--count", "-1"], /--count must be between 0 and/],
    [["--dist", "uniform", "--max", "9", "--seed", "99999999999999999999"], /--seed must fit a Java long/],
    [["--dist", "uniform", "--max", "9", "--frobnicate", "1"], /unknown option --frobnicate/],
    [["--dist", "uniform"], /--max is required/],
    [["--dist", "latest", "--min", "3", "--max", "9"], /--min must be 0 for latest/],
    [["--dist", "uniform", "--max"], /--max needs a value/],
  ];
  for (const [args, message] of cases) {
    const result = ycsb("gen", ...args);
    assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }
});

test("`gen --help` explains the options and an unknown command is refused", () => {
  const help = ycsb("gen", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--dist +zipfian +ZipfianGenerator\(min, max\)/);
  const unknown = ycsb("generate");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "generate", expected gen, load or run/);
});
