/**
 * `npm run bench -- <name>`: benchmarks reported as numbers (never timed tests).
 *   memory      our plain server vs native memcached -t 1, one process each, four value sizes
 *   throughput  the server part's systems/server/throughput.bench.ts, when it exists
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { valueSizeById, valueSizes } from "../experiments/fig-memory/value-sizes.ts";
import { Cleanup } from "../experiments/cleanup.ts";
import { environment } from "../experiments/environment.ts";
import { RunFolder } from "../experiments/run-folder.ts";
import { memoryBench } from "./memory-bench.ts";

const benches = {
  memory: "our plain server vs native memcached -t 1: RSS growth per value byte at 1 KB, 4 KB, 16 KB, Zipf 10 B–1 KB",
  throughput: "plain server throughput vs native memcached (systems/server/throughput.bench.ts)",
} as const;

/** The server part's throughput benchmark; `bench throughput` runs it with the remaining arguments. */
const throughputBench = "systems/server/throughput.bench.ts";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || !(name in benches)) {
    const list = Object.entries(benches).map(([n, what]) => `  ${n.padEnd(11)} ${what}`).join("\n");
    process.stderr.write(`bench: ${name === undefined ? "expected a benchmark name" : `unknown benchmark ${JSON.stringify(name)}`}; expected one of:\n${list}\n`);
    return 2;
  }
  if (name === "throughput") {
    if (!existsSync(throughputBench)) {
      process.stderr.write(`bench throughput: not built yet: needs ${throughputBench} (the server part)\n`);
      return 1;
    }
    return spawnSync(process.execPath, ["--import", "tsx", throughputBench, ...rest], { stdio: "inherit" }).status ?? 1;
  }

  const program = new Command("bench memory")
    .option("--records <n>", "records per size (default: fig-memory's --fast counts)")
    .option("--sizes <list>", `comma-separated sizes (${valueSizes.map((s) => s.id).join(", ")})`, valueSizes.map((s) => s.id).join(","))
    .option("--seed <s>", "seed of the load", "42")
    .option("--out <dir>", "root of the results tree", "results")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  let options: { records?: string; sizes: string; seed: string; out: string };
  let sizes;
  try {
    program.parse(rest, { from: "user" });
    options = program.opts();
    sizes = options.sizes.split(",").map((id) => valueSizeById(id.trim()));
    if (options.records !== undefined && !/^[1-9]\d*$/.test(options.records)) throw new Error(`--records must be a positive integer, found ${JSON.stringify(options.records)}`);
    if (!/^-?\d+$/.test(options.seed)) throw new Error(`--seed must be an integer, found ${JSON.stringify(options.seed)}`);
  } catch (error) {
    if (error instanceof CommanderError && error.code === "commander.helpDisplayed") return 0;
    process.stderr.write(`bench memory: ${(error as Error).message.replace(/^error: /, "")}\n`);
    return 2;
  }
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  try {
    const result = await memoryBench({
      records: options.records === undefined ? undefined : Number(options.records),
      sizes,
      seed: Number(options.seed),
      cleanup,
      log: (line) => process.stderr.write(line + "\n"),
    });
    const folder = await RunFolder.create(options.out, "bench-memory");
    // The commit, versions and machine, as every results folder has them (README "Reproducible").
    await folder.writeJson("bench-memory.json", { seed: Number(options.seed), command: ["bench", ...argv], environment: await environment(), rows: result.rows });
    await folder.writeText("table.txt", result.table + "\n");
    process.stdout.write(`\n${result.table}\n\n`);
    process.stdout.write(result.misses.length === 0 ? "targets met: ours ≤ native memcached and ≤ target at every size\n" : `targets missed:\n${result.misses.map((m) => `  ${m}`).join("\n")}\n`);
    process.stdout.write(`(one shared 2-core machine; results in ${folder.path})\n`);
    return 0;
  } finally {
    await cleanup.run();
    cleanup.removeSignalHandlers();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
