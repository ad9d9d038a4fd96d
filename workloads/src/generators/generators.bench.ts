/**
 * Generator benchmark: draws per second of each YCSB generator on one core, plus the workload's
 * per-operation steps (key name, whole transaction). Target: ScrambledZipfian ≥ 5 M draws/s.
 * Reports draws per wall-clock second and per second of this process's CPU time: on a shared
 * machine the second is the closer measure of what one core does.
 * Run: `node --import tsx workloads/src/generators/generators.bench.ts [--json]`.
 * Each case runs for at most MAX_CASE_MS and MAX_CASE_DRAWS draws.
 */
import { fileURLToPath } from "node:url";
import { SplittableRandom } from "../random/splittable-random.ts";
import { CoreWorkload, newTransactionPlan } from "../workload/core-workload.ts";
import { Properties } from "../workload/properties.ts";
import { CounterGenerator } from "./counter-generator.ts";
import { HotspotIntegerGenerator } from "./hotspot-integer-generator.ts";
import { ScrambledZipfianGenerator } from "./scrambled-zipfian-generator.ts";
import { SkewedLatestGenerator } from "./skewed-latest-generator.ts";
import { UniformLongGenerator } from "./uniform-long-generator.ts";
import { ZipfianGenerator } from "./zipfian-generator.ts";

const MAX_CASE_MS = 1500;
const MAX_CASE_DRAWS = 50_000_000;
const BATCH = 10_000;

interface CaseResult {
  case: string;
  draws: number;
  millionPerSecond: number;
  millionPerCpuSecond: number;
  nsPerDraw: number;
}

/** Calls `draw` in batches until the time or draw bound; the checksum keeps the JIT honest. */
function measure(name: string, draw: () => number | string): CaseResult {
  let checksum = 0;
  for (let i = 0; i < BATCH; i++) checksum += Number(draw()) || 1; // warm-up
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const deadline = Date.now() + MAX_CASE_MS;
  let draws = 0;
  while (draws < MAX_CASE_DRAWS && Date.now() < deadline) {
    for (let i = 0; i < BATCH; i++) {
      const value = draw();
      checksum += typeof value === "number" ? value : value.length;
    }
    draws += BATCH;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (checksum === Number.NEGATIVE_INFINITY) console.log(checksum);
  return {
    case: name,
    draws,
    millionPerSecond: draws / seconds / 1e6,
    millionPerCpuSecond: draws / cpuSeconds / 1e6,
    nsPerDraw: (seconds * 1e9) / draws,
  };
}

function main(): void {
  const json = process.argv.includes("--json");
  const random = new SplittableRandom(42);
  const items = 1_000_000;
  const zipfian = new ZipfianGenerator(random, 0, items - 1);
  const scrambled = new ScrambledZipfianGenerator(random, 0, items - 1);
  const uniform = new UniformLongGenerator(random, 0, items - 1);
  const latest = new SkewedLatestGenerator(random, new CounterGenerator(items));
  const hotspot = new HotspotIntegerGenerator(random, 0, items - 1);
  const workloadFile = fileURLToPath(new URL("../../workloads/paper-95-1k", import.meta.url));
  const workload = new CoreWorkload(Properties.fromCommandLine([workloadFile], [`recordcount=${items}`]), random);
  const plan = newTransactionPlan();

  const results = [
    measure("SplittableRandom.nextDouble", () => random.nextDouble()),
    measure("SplittableRandom.nextLong (BigInt, exact)", () => Number(random.nextLong() & 1n)),
    measure("ZipfianGenerator (10^6 items)", () => zipfian.nextValue()),
    measure("ScrambledZipfianGenerator (10^6 items)", () => scrambled.nextValue()),
    measure("UniformLongGenerator", () => uniform.nextValue()),
    measure("SkewedLatestGenerator", () => latest.nextValue()),
    measure("HotspotIntegerGenerator", () => hotspot.nextValue()),
    measure("CoreWorkload.buildKeyName (hashed)", () => workload.buildKeyName(workload.nextTransactionKeynum())),
    measure("CoreWorkload.nextTransaction (paper-95-1k)", () => workload.nextTransaction(plan).keynum),
  ];
  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${"case".padEnd(46)} ${"M draws/s".padStart(10)} ${"M/CPU-s".padStart(8)} ${"ns/draw".padStart(8)}\n`);
  for (const r of results) {
    process.stdout.write(
      `${r.case.padEnd(46)} ${r.millionPerSecond.toFixed(2).padStart(10)} ${r.millionPerCpuSecond.toFixed(2).padStart(8)} ${r.nsPerDraw.toFixed(1).padStart(8)}\n`,
    );
  }
}

main();
