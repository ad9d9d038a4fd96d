// ycsb-ts command line: `gen` prints generator draws (generators/gen-command.ts); `load` and `run`
// drive a memcached-protocol server (driver/cli.ts, loaded only when asked for).

import { runGen } from "./generators/gen-command.ts";

const USAGE = `Usage: ycsb-ts <command> [options]

Commands:
  gen    print draws of a YCSB generator (ycsb-ts gen --help)
  load   load records into a memcached-protocol server (YCSB's load phase)
  run    run a workload's transactions against it (YCSB's run phase)

Examples:
  ycsb-ts gen --dist scrambledzipfian --min 0 --max 999 --seed 1 --count 5
  ycsb-ts load -P workloads/workloads/workloada --target 127.0.0.1:11211`;

interface DriverCli {
  runDriverCli?: (argv: string[]) => Promise<number>;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "gen":
      return runGen(rest);
    case "load":
    case "run":
      return runDriver(argv);
    case undefined:
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`ycsb-ts: unknown command "${command}", expected gen, load or run\n\n${USAGE}\n`);
      return 2;
  }
}

/** Hands `load`/`run` (the whole argv, command first) to the driver, if it is there. */
async function runDriver(argv: string[]): Promise<number> {
  const driverPath = new URL("./driver/cli.ts", import.meta.url);
  let driver: DriverCli;
  try {
    driver = (await import(driverPath.href)) as DriverCli;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes("driver/cli.ts")) {
      process.stderr.write("load/run not built yet\n");
      return 2;
    }
    throw error;
  }
  if (typeof driver.runDriverCli !== "function") {
    process.stderr.write("load/run not built yet (driver/cli.ts exports no runDriverCli)\n");
    return 2;
  }
  return driver.runDriverCli(argv);
}

process.exitCode = await main(process.argv.slice(2));
