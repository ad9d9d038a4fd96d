/**
 * Micro-benchmark of the plain Store (not a test): loads values into a Store and prints RSS
 * growth per value byte, metadata bytes per item, sets/s and gets/s.
 *
 *   node --import tsx systems/store/store.bench.ts [--items-1k N] [--items-zipf N]
 *
 * Each case runs in a child process of its own so RSS growth is not mixed between cases.
 * Keys are YCSB's ("user" + fnvhash64(i)), packed in one typed array before the RSS baseline,
 * so the growth is the store's own. Zipf sizes follow YCSB's ZipfianGenerator(10, 1024), the
 * paper's "Zipf 10 B–1 KB" field length distribution.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fnvhash64Decimal } from "../../workloads/src/random/fnv-hash.ts";
import { SplittableRandom } from "../../workloads/src/random/splittable-random.ts";
import { ZipfianGenerator } from "../../workloads/src/generators/zipfian-generator.ts";
import { Store } from "./store.ts";

const GiB = 1024 ** 3;
const TIME_LIMIT_MS = 120_000;

interface CaseResult {
  name: string;
  items: number;
  valueBytes: number;
  rssGrowth: number;
  heapGrowth: number;
  rssPerValueByte: number;
  metadataPerItem: number;
  dataAreaPerValueByte: number;
  setsPerSecond: number;
  getsPerSecond: number;
  note: string;
}

function rssBytes(): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (match === null) throw new Error("expected a VmRSS line in /proc/self/status");
  return Number(match[1]) * 1024;
}

/** Collects garbage and gives V8 a moment to hand freed pages back, so RSS readings settle. */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc?.();
}

function packedKeys(count: number): { bytes: Uint8Array; starts: Uint32Array } {
  const starts = new Uint32Array(count + 1);
  const bytes = new Uint8Array(count * 24);
  for (let i = 0; i < count; i++) {
    const key = "user" + fnvhash64Decimal(i);
    starts[i + 1] = starts[i] + Buffer.from(bytes.buffer, starts[i]).write(key, "latin1");
  }
  return { bytes, starts };
}

async function runCase(name: string, count: number, sizeOf: (i: number) => number): Promise<CaseResult> {
  const { bytes: keyBytes, starts } = packedKeys(count);
  const lengths = new Int32Array(count);
  let valueBytes = 0;
  for (let i = 0; i < count; i++) valueBytes += lengths[i] = sizeOf(i);
  const source = Buffer.alloc(1024 * 1024, 0x61);
  const store = new Store({ memoryBytes: Math.max(GiB, 2 * valueBytes) });
  await settle();
  const rssBefore = rssBytes();
  const heapBefore = process.memoryUsage().heapTotal;

  const deadline = Date.now() + TIME_LIMIT_MS;
  let note = "";
  let loaded = 0;
  const setStart = process.hrtime.bigint();
  for (; loaded < count; loaded++) {
    if ((loaded & 0xfff) === 0 && Date.now() > deadline) {
      note = `stopped by the ${TIME_LIMIT_MS / 1000}s limit`;
      break;
    }
    // The garbage-free load path: reserve, copy the bytes in from a range, publish the key's range.
    const length = lengths[loaded];
    const offset = store.reserve(length);
    if (offset < 0) throw new Error(`${name}: the store is full at item ${loaded}`);
    store.dataArea.writeRange(offset, source, 0, length);
    store.publish(keyBytes, offset, length, 0, 0, undefined, starts[loaded], starts[loaded + 1]);
  }
  const setSeconds = Number(process.hrtime.bigint() - setStart) / 1e9;
  await settle();
  const rssAfter = rssBytes();
  const heapAfter = process.memoryUsage().heapTotal;

  let checksum = 0;
  const getStart = process.hrtime.bigint();
  for (let i = 0; i < loaded; i++) {
    const handle = store.lookup(keyBytes, 0, starts[i], starts[i + 1]);
    checksum += store.valueLength(handle) + store.value(handle)[0];
  }
  const getSeconds = Number(process.hrtime.bigint() - getStart) / 1e9;
  if (checksum === 0) throw new Error("the gets read nothing");

  const stats = store.stats();
  let loadedBytes = 0;
  for (let i = 0; i < loaded; i++) loadedBytes += lengths[i];
  return {
    name,
    items: loaded,
    valueBytes: loadedBytes,
    rssGrowth: rssAfter - rssBefore,
    heapGrowth: heapAfter - heapBefore,
    rssPerValueByte: (rssAfter - rssBefore) / loadedBytes,
    metadataPerItem: stats.metadata_bytes / stats.curr_items,
    dataAreaPerValueByte: stats.data_area_bytes / loadedBytes,
    setsPerSecond: loaded / setSeconds,
    getsPerSecond: loaded / getSeconds,
    note,
  };
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, found ${process.argv[at + 1]}`);
  return value;
}

async function child(which: string, count: number): Promise<void> {
  let result: CaseResult;
  if (which === "1k") {
    result = await runCase("1 KB values", count, () => 1024);
  } else {
    const zipf = new ZipfianGenerator(new SplittableRandom(42), 10, 1024);
    result = await runCase("Zipf 10 B–1 KB values", count, () => zipf.nextValue());
  }
  process.stdout.write(JSON.stringify(result));
}

function main(): void {
  const cases: Array<[string, number]> = [
    ["1k", option("--items-1k", 1_000_000)],
    ["zipf", option("--items-zipf", 200_000)],
  ];
  const self = fileURLToPath(import.meta.url);
  console.log(`store micro-benchmark, node ${process.version}; one child process per case (shared machine: speeds are noisy)`);
  for (const [which, count] of cases) {
    const run = spawnSync(process.execPath, [...process.execArgv, "--expose-gc", self, "--child", which, String(count)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 5 * TIME_LIMIT_MS,
    });
    if (run.status !== 0) throw new Error(`the ${which} case failed with status ${run.status} (${run.error?.message ?? "see stderr"})`);
    const r = JSON.parse(run.stdout) as CaseResult;
    console.log(
      `${r.name}: ${r.items} items, ${(r.valueBytes / 1e6).toFixed(1)} MB of values (mean ${(r.valueBytes / r.items).toFixed(1)} B)\n` +
        `  RSS growth ${(r.rssGrowth / 1e6).toFixed(1)} MB (V8 heap ${(r.heapGrowth / 1e6).toFixed(1)} MB of it) = ${r.rssPerValueByte.toFixed(3)} per value byte; ` +
        `data area ${r.dataAreaPerValueByte.toFixed(3)} per value byte; metadata ${r.metadataPerItem.toFixed(1)} B per item\n` +
        `  ${Math.round(r.setsPerSecond).toLocaleString("en")} sets/s, ${Math.round(r.getsPerSecond).toLocaleString("en")} gets/s` +
        (r.note ? ` (${r.note})` : ""),
    );
  }
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) await child(process.argv[childAt + 1], Number(process.argv[childAt + 2]));
else main();
