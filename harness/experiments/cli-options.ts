/**
 * The command line of `npm run experiment` (contract, DESIGN section 11):
 * <name> [--fast | --paper] [--cluster NAME] [--repeat N] [--check] [--out DIR] [--list] [--render DIR] [--seed S].
 * Parsing is pure: it returns what to do or throws a UsageError that says what was expected.
 */
import { Command, CommanderError, Option } from "commander";
import { experimentNames, type ExperimentConfig, type ExperimentName } from "./types.ts";

export class UsageError extends Error {}

export type ExperimentCommand =
  | { kind: "list" }
  | { kind: "render"; folder: string }
  | { kind: "run"; names: ExperimentName[]; config: ExperimentConfig }
  | { kind: "help"; text: string };

export const defaultSeed = 42;

function buildProgram(): Command {
  return new Command("experiment")
    .description("Runs one experiment of the Cocytus evaluation (or `all`) and writes results/<name>/<timestamp>/.")
    .argument("[name]", `one of ${experimentNames.join(", ")}, or all`)
    .addOption(new Option("--fast", "a few minutes on a 2-core machine (default)").conflicts("paper"))
    .addOption(new Option("--paper", "the paper's scale, as far as this machine allows").conflicts("fast"))
    .option("--cluster <name>", "cluster from clusters.yaml", "local")
    .option("--repeat <n>", "repetitions; figures use the median", "1")
    .option("--seed <s>", "seed of every random choice", String(defaultSeed))
    .option("--check", "compare with results/baseline/ and fail on a regression")
    .option("--tolerance <percent>", "with --check: how much worse than the baseline a figure may be", "2")
    .option("--rss-tolerance <percent>", "with --check: the tolerance for fig-memory's RSS figure alone (default: --tolerance)")
    .option("--out <dir>", "root of the results tree", "results")
    .option("--systems <list>", "comma-separated systems to measure (default: every one that exists)")
    .option("--sizes <list>", "comma-separated value sizes to measure (1k, 4k, 16k, zipf; default: the profile's)")
    .option("--records <n>", "records per setting, overriding the profile (small test runs)")
    .option("--save-baseline", "write this run's figures to results/baseline/")
    .option("--list", "print what each experiment does, its run time and resources")
    .option("--render <dir>", "re-render the figure of a run folder from its saved data")
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .helpOption("-h, --help", "show this help");
}

/** A comma-separated option as a list (undefined when absent); an empty item is a usage error. */
function commaList(option: string, what: string, value: unknown): string[] | undefined {
  if (typeof value !== "string") return undefined;
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new UsageError(`${option} must be a comma-separated list of ${what}, found ${JSON.stringify(value)}`);
  return items;
}

function positiveInteger(option: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${option} must be an integer from 1 to ${max}, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function tolerancePercent(option: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0 || Number(text) > 100) {
    throw new UsageError(`${option} must be a percentage above 0 and at most 100, found ${JSON.stringify(text)}`);
  }
  return Number(text) / 100;
}

function seedValue(text: string): number {
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--seed must be an integer between -(2^53-1) and 2^53-1, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Parses the arguments after `npm run experiment --`; throws UsageError with a clear message. */
export function parseExperimentArgs(argv: string[]): ExperimentCommand {
  const program = buildProgram();
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.help") return { kind: "help", text: program.helpInformation() };
      throw new UsageError(error.message.replace(/^error: /, ""));
    }
    throw error;
  }
  const options = program.opts<Record<string, string | boolean | undefined>>();
  const name = program.args[0];
  if (options.list) return { kind: "list" };
  if (typeof options.render === "string") {
    if (name !== undefined) throw new UsageError(`--render takes a run folder and no experiment name, found ${JSON.stringify(name)}`);
    return { kind: "render", folder: options.render };
  }
  if (name === undefined) throw new UsageError(`expected an experiment name: ${experimentNames.join(", ")}, or all (--list describes them)`);
  let names: ExperimentName[];
  if (name === "all") names = [...experimentNames];
  else if ((experimentNames as readonly string[]).includes(name)) names = [name as ExperimentName];
  else throw new UsageError(`unknown experiment ${JSON.stringify(name)}; expected one of: ${experimentNames.join(", ")}, all`);

  const cluster = String(options.cluster);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(cluster)) throw new UsageError(`--cluster must be a cluster name from clusters.yaml (letters, digits, - and _), found ${JSON.stringify(cluster)}`);
  const out = String(options.out);
  if (out.trim() === "") throw new UsageError("--out must be a folder path, found an empty string");
  const systems = commaList("--systems", "system names", options.systems);
  const sizes = commaList("--sizes", "value sizes", options.sizes);
  return {
    kind: "run",
    names,
    config: {
      profile: options.paper ? "paper" : "fast",
      cluster,
      repeat: positiveInteger("--repeat", String(options.repeat), 100),
      seed: seedValue(String(options.seed)),
      check: options.check === true,
      tolerance: tolerancePercent("--tolerance", String(options.tolerance)),
      rssTolerance: options.rssTolerance === undefined ? undefined : tolerancePercent("--rss-tolerance", String(options.rssTolerance)),
      out,
      systems,
      sizes,
      records: options.records === undefined ? undefined : positiveInteger("--records", String(options.records), 100_000_000),
      saveBaseline: options.saveBaseline === true,
    },
  };
}
