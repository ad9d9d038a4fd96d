import { readFileSync, writeFileSync } from "node:fs";
import type { Mode } from "../../../systems/routing/router.ts";
import { PropertyError } from "../workload/properties.ts";
import { resolveYcsbOptions, type YcsbOptions } from "./api.ts";
import { progressPrinter } from "./progress.ts";
import { runDriver } from "./run.ts";

const USAGE = `Usage: ycsb-ts load|run -P <file> [-P <file>]… [-p name=value]… --target <host:port>[,<host:port>…]
       [--cluster-table <file.json>] [--mode plain|pbr|cocytus --groups G --k K]
       [--seed S] [--workers N] [--json <out.json>] [-threads N] [-target OPS]

Drives any memcached-protocol server with YCSB's core workload and prints YCSB's text report.
  -P file            YCSB property file (read in order; e.g. workloads/workloads/workloada)
  -p name=value      property over the files (threadcount, target, maxexecutiontime, warmuptime,
                     workers, memcached.connections, memcached.timeout, verify, …)
  --target list      servers; several are routed as plain processes in list order
  --cluster-table f  a cluster's process table (JSON from \`npx harness up\`); keys go to the
                     plain/primary/data process the routing contract names
  --mode/--groups/--k  routing shape over the --target list (or overriding the table's)
  --seed S           run seed (Java long); recorded in the JSON; random when absent
  --json file        write the full result (histograms, time series, seed, properties) as JSON
Exit status: 0 done; 1 bad input or the run failed; 2 reads found corrupted values or lost writes.`;

/** `ycsb-ts load|run …` (argv starts with the command); returns the exit status. */
export async function runDriverCli(argv: string[]): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`ycsb-ts: ${(error as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("\nycsb-ts: stopping (operations in flight finish; Ctrl-C again to quit at once)\n");
      abort.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSigint);
  try {
    const { properties, targets, seed } = resolveYcsbOptions(parsed.options);
    const printer = progressPrinter(process.stderr, properties.getInt("status.interval", 10, { min: 1 }));
    process.stderr.write(`ycsb-ts ${parsed.options.phase}: command line: ${argv.join(" ")}\n`);
    let result;
    try {
      result = await runDriver({ phase: parsed.options.phase, properties, targets, seed, workers: parsed.options.workers, onProgress: printer.onProgress, signal: abort.signal });
    } finally {
      printer.finish();
    }
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stderr.write(`seed ${result.seed} (workers: ${result.workerSeeds.join(", ")}); ${result.workers} worker(s), ${result.threadCount} client(s)${result.stoppedEarly ? "; stopped before every operation was done" : ""}\n`);
    const v = result.verification;
    if (v.verifiedOk + v.corrupted + v.missingAcknowledged > 0) {
      process.stderr.write(`verification: ${v.verifiedOk} reads verified, ${v.corrupted} corrupted, ${v.missingAcknowledged} missing after an acknowledged write${v.examples.length > 0 ? ` (e.g. ${v.examples.slice(0, 3).join("; ")})` : ""}\n`);
    }
    for (const e of result.errors.slice(0, 3)) process.stderr.write(`server error: ${e}\n`);
    process.stdout.write(result.text);
    if (parsed.jsonPath !== undefined) writeFileSync(parsed.jsonPath, `${JSON.stringify(result, null, 1)}\n`);
    return v.corrupted > 0 || v.missingAcknowledged > 0 ? 2 : 0;
  } catch (error) {
    const message = error instanceof PropertyError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`ycsb-ts: ${message}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

interface ParsedArgs {
  help: boolean;
  options: YcsbOptions;
  jsonPath?: string;
}

/** Parses the command line; errors name the argument and what was expected. */
export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") return { help: true, options: { phase: "run" } };
  if (command !== "load" && command !== "run") throw new Error(`expected the command load or run, found ${JSON.stringify(command ?? "")}`);
  const files: string[] = [];
  const properties: Record<string, string> = {};
  const options: YcsbOptions = { phase: command, propertyFiles: files, properties };
  const routing: { mode?: Mode; groups?: number; k?: number } = {};
  let jsonPath: string | undefined;
  let tablePath: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${flag}: expected a value after it, found the end of the command line`);
      return v;
    };
    const positive = (name: string): number => {
      const text = value();
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < 1) throw new Error(`${name}: expected a positive integer, found ${JSON.stringify(text)}`);
      return n;
    };
    switch (flag) {
      case "-h":
      case "--help":
        return { help: true, options };
      case "-P":
        files.push(value());
        break;
      case "-p": {
        const arg = value();
        const eq = arg.indexOf("=");
        if (eq <= 0) throw new Error(`-p ${arg}: expected name=value`);
        properties[arg.slice(0, eq)] = arg.slice(eq + 1);
        break;
      }
      case "-threads":
        properties.threadcount = String(positive("-threads"));
        break;
      case "-target":
        properties.target = String(positive("-target"));
        break;
      case "-s":
        break;
      case "--target":
      case "--targets":
        options.targets = value();
        break;
      case "--cluster-table":
        tablePath = value();
        break;
      case "--mode": {
        const mode = value();
        if (mode !== "plain" && mode !== "pbr" && mode !== "cocytus") throw new Error(`--mode: expected plain, pbr or cocytus, found ${JSON.stringify(mode)}`);
        routing.mode = mode;
        break;
      }
      case "--groups":
        routing.groups = positive("--groups");
        break;
      case "--k":
        routing.k = positive("--k");
        break;
      case "--seed":
        options.seed = value();
        break;
      case "--workers":
        options.workers = positive("--workers");
        break;
      case "--json":
        jsonPath = value();
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  if (Object.keys(routing).length > 0) options.routing = routing;
  if (tablePath !== undefined) {
    let text: string;
    try {
      text = readFileSync(tablePath, "utf8");
    } catch (error) {
      throw new Error(`--cluster-table: cannot read ${tablePath}: ${(error as Error).message}`);
    }
    try {
      options.processTable = JSON.parse(text);
    } catch (error) {
      throw new Error(`--cluster-table: ${tablePath} is not JSON: ${(error as Error).message}`);
    }
  }
  if (options.targets === undefined && options.processTable === undefined) throw new Error("expected --target host:port (or --cluster-table file.json), found neither");
  if (files.length === 0) throw new Error("expected at least one -P <property file>, found none");
  return { help: false, options, jsonPath };
}
