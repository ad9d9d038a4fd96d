// `ycsb-ts gen`: prints draws of one YCSB generator, seeded, one per line. A contract: outside
// checks compare this output with YCSB's Java generators fed by `new SplittableRandom(seed)`.

import { SplittableRandom } from "../random/splittable-random.ts";
import { CounterGenerator } from "./counter-generator.ts";
import { HotspotIntegerGenerator } from "./hotspot-integer-generator.ts";
import type { NumberGenerator } from "./number-generator.ts";
import { ScrambledZipfianGenerator } from "./scrambled-zipfian-generator.ts";
import { SkewedLatestGenerator } from "./skewed-latest-generator.ts";
import { UniformLongGenerator } from "./uniform-long-generator.ts";
import { ZipfianGenerator } from "./zipfian-generator.ts";

export const GEN_DISTRIBUTIONS = ["zipfian", "scrambledzipfian", "uniform", "latest", "hotspot"] as const;
export type GenDistribution = (typeof GEN_DISTRIBUTIONS)[number];

const MAX_COUNT = 1_000_000_000;

export const GEN_USAGE = `Usage: ycsb-ts gen --dist <${GEN_DISTRIBUTIONS.join("|")}> --min A --max B --seed S --count N

Prints N draws of a YCSB generator, one per line, drawing from one java.util.SplittableRandom(S)
stream (constructor draws included), exactly as YCSB's Java generators would.

  --dist   zipfian           ZipfianGenerator(min, max)            (min is the most popular)
           scrambledzipfian  ScrambledZipfianGenerator(min, max)
           uniform           UniformLongGenerator(min, max)
           latest            SkewedLatestGenerator(new CounterGenerator(max + 1)): values in [1, max],
                             max the most popular; --min must be 0
           hotspot           HotspotIntegerGenerator(min, max, 0.2, 0.8)  (YCSB's defaults)
  --min    smallest value, an integer (default 0)
  --max    largest value, an integer ≥ min (required)
  --seed   the SplittableRandom seed, a Java long (default 0)
  --count  how many draws, 0..${MAX_COUNT} (default 10)
  --help   this text`;

export interface GenOptions {
  dist: GenDistribution;
  min: number;
  max: number;
  seed: bigint;
  count: number;
}

/** A bad command line; the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `--name value` / `--name=value` arguments; returns undefined for --help. */
export function parseGenArguments(argv: readonly string[]): GenOptions | undefined {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === "--help" || argument === "-h") return undefined;
    if (!argument.startsWith("--")) throw new UsageError(`gen: unexpected argument "${argument}", expected an option like --dist`);
    const eq = argument.indexOf("=");
    const name = eq > 0 ? argument.slice(2, eq) : argument.slice(2);
    if (!["dist", "min", "max", "seed", "count"].includes(name)) {
      throw new UsageError(`gen: unknown option --${name}; expected --dist, --min, --max, --seed, --count or --help`);
    }
    let value: string | undefined;
    if (eq > 0) value = argument.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw new UsageError(`gen: --${name} needs a value`);
    if (given.has(name)) throw new UsageError(`gen: --${name} is given twice`);
    given.set(name, value);
  }
  const dist = given.get("dist");
  if (dist === undefined) throw new UsageError(`gen: --dist is required: one of ${GEN_DISTRIBUTIONS.join(", ")}`);
  if (!(GEN_DISTRIBUTIONS as readonly string[]).includes(dist)) {
    throw new UsageError(`gen: --dist must be one of ${GEN_DISTRIBUTIONS.join(", ")}, found "${dist}"`);
  }
  if (!given.has("max")) throw new UsageError("gen: --max is required (the largest value, an integer)");
  const min = parseInteger("min", given.get("min") ?? "0");
  const max = parseInteger("max", given.get("max")!);
  if (max < min) throw new UsageError(`gen: --max must be ≥ --min (${min}), found ${max}`);
  if (max - min + 1 > Number.MAX_SAFE_INTEGER) {
    throw new UsageError(`gen: --max - --min + 1 must be at most 2^53 - 1, found ${max - min + 1}`);
  }
  if (dist === "latest" && min !== 0) {
    throw new UsageError(`gen: --min must be 0 for latest (SkewedLatestGenerator counts from 0 up to --max), found ${min}`);
  }
  if (dist === "hotspot" && max - min + 1 < 5) {
    throw new UsageError(`gen: hotspot needs at least 5 values (its hot set is 20 % of them), found --min ${min} --max ${max}`);
  }
  const count = parseInteger("count", given.get("count") ?? "10");
  if (count < 0 || count > MAX_COUNT) throw new UsageError(`gen: --count must be between 0 and ${MAX_COUNT}, found ${count}`);
  return { dist: dist as GenDistribution, min, max, seed: parseSeed(given.get("seed") ?? "0"), count };
}

/** The generator as the Java side builds it, on a fresh SplittableRandom(seed). */
export function createGenGenerator(options: GenOptions): NumberGenerator {
  const random = new SplittableRandom(options.seed);
  switch (options.dist) {
    case "zipfian":
      return new ZipfianGenerator(random, options.min, options.max);
    case "scrambledzipfian":
      return new ScrambledZipfianGenerator(random, options.min, options.max);
    case "uniform":
      return new UniformLongGenerator(random, options.min, options.max);
    case "latest":
      return new SkewedLatestGenerator(random, new CounterGenerator(options.max + 1));
    case "hotspot":
      return new HotspotIntegerGenerator(random, options.min, options.max);
  }
}

/** Runs `gen` and writes the draws to `out` in large chunks; returns the exit status. */
export async function runGen(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let options: GenOptions | undefined;
  try {
    options = parseGenArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\nRun "ycsb-ts gen --help" for the options.\n`);
    return 2;
  }
  if (options === undefined) {
    out.write(`${GEN_USAGE}\n`);
    return 0;
  }
  const generator = createGenGenerator(options);
  // A reader that goes away (`| head`) makes writes fail with EPIPE: stop quietly then.
  let closed = false;
  out.on("error", () => {
    closed = true;
  });
  let chunk = "";
  for (let i = 0; i < options.count && !closed; i++) {
    chunk += `${generator.nextValue()}\n`;
    if (chunk.length >= 65536) {
      await write(out, chunk);
      chunk = "";
    }
  }
  if (chunk.length > 0 && !closed) await write(out, chunk);
  return 0;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => out.write(text, () => resolve()));
}

function parseInteger(name: string, text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new UsageError(`gen: --${name} must be an integer, found "${text}"`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(`gen: --${name} must be an integer between -(2^53 - 1) and 2^53 - 1, found ${text}`);
  }
  return value;
}

function parseSeed(text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new UsageError(`gen: --seed must be an integer (a Java long), found "${text}"`);
  const value = BigInt(text);
  if (value < -(1n << 63n) || value >= 1n << 63n) {
    throw new UsageError(`gen: --seed must fit a Java long (-2^63 .. 2^63 - 1), found ${text}`);
  }
  return value;
}
