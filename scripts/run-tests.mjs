#!/usr/bin/env node
// Runs every *.test.ts file under the project's parts with node's test runner (through tsx).
// `node scripts/run-tests.mjs systems/store` runs only the files below the given folders.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["systems", "workloads/src", "harness", "test"];

function findTests(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const files = roots.flatMap((root) => (statSync(root, { throwIfNoEntry: false })?.isFile() ? [root] : findTests(root, []))).sort();
if (files.length === 0) {
  console.error(`no *.test.ts files found under ${roots.join(", ")}`);
  process.exit(1);
}
// One file at a time: several tests start clusters and native memcached, and this machine has 2 cores.
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
