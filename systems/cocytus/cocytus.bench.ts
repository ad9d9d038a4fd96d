/**
 * Cocytus benchmarks on one real group (k + m processes on loopback), for the numbers of the issue
 * "Cocytus mode, normal operation". Run one at a time:
 *
 *   node --import tsx systems/cocytus/cocytus.bench.ts memory [--size 1k|4k|16k|zipf|all] [--mb 200]
 *   node --import tsx systems/cocytus/cocytus.bench.ts churn [--size zipf|uniform] [--mb 100] [--rounds 10]
 *   node --import tsx systems/cocytus/cocytus.bench.ts throughput [--ops 200000] [--reads 0.95]
 *   (every command takes --codec gf256-vandermonde|native-cauchy, --k/--m, and --node-flag F for the group's processes)
 *
 * memory: RSS growth of every process of the group (from /proc) over its RSS before loading,
 * divided by the value bytes loaded: DESIGN section 11's memory per value byte, for one group.
 * Keys are YCSB's ("user" + fnvhash64(n)), values as fig-memory loads them; every load loop is
 * bounded in count and in time.
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { parseArgs } from "node:util";
import { MemcachedConnection, type Reply } from "../../workloads/src/binding/memcached-connection.ts";
import { ZipfianGenerator } from "../../workloads/src/generators/zipfian-generator.ts";
import { fnvhash64Decimal } from "../../workloads/src/random/fnv-hash.ts";
import { SplittableRandom } from "../../workloads/src/random/splittable-random.ts";
import { CODEC_NAMES, DEFAULT_CODEC, createCodec, type CodecName } from "../codec/codec.ts";
import { route } from "../routing/router.ts";
import { startPlainProcess } from "../server/test-servers.ts";
import { GroupInspector } from "./group-check.ts";
import { startTestGroup, type TestGroup } from "./test-group.ts";

const MiB = 1024 * 1024;
/** Every load or run loop stops after this long, whatever its count. */
const MAX_PHASE_MS = 10 * 60 * 1000;
/** Requests in flight over all connections. */
const WINDOW = 128;
const CONNECTIONS_PER_PROCESS = 16;

interface BenchOptions {
  k: number;
  m: number;
  codec: CodecName;
  /** Extra node flags for the group's processes (e.g. --max-semi-space-size=1). */
  nodeFlags: string[];
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

interface Address {
  host: string;
  port: number;
}

/** A pipelined client per process that holds keys (data processes, or plain processes for a baseline), each key sent to its owner. */
class GroupClient {
  /** connections[member][c]: CONNECTIONS_PER_PROCESS each, used in turn (a connection's reads wait for its own earlier writes). */
  private readonly connections: MemcachedConnection[][];
  private inFlight: Promise<void>[] = [];
  private turn = 0;
  errors = 0;

  constructor(
    private readonly members: readonly Address[],
    private readonly k: number,
  ) {
    this.connections = members
      .slice(0, k)
      .map((member) => Array.from({ length: CONNECTIONS_PER_PROCESS }, () => new MemcachedConnection(member.host, member.port, { timeoutMs: 30_000 })));
  }

  private owner(key: Buffer): MemcachedConnection {
    const connections = this.connections[route(key, { mode: "cocytus", groups: 1, k: this.k }).member];
    this.turn = (this.turn + 1) % CONNECTIONS_PER_PROCESS;
    return connections[this.turn];
  }

  private track(issue: (handler: { onReply: (reply: Reply) => void }) => void): Promise<void> {
    const done = new Promise<void>((resolve) =>
      issue({
        onReply: (reply) => {
          if (reply === "error") this.errors++;
          resolve();
        },
      }),
    );
    this.inFlight.push(done);
    return this.inFlight.length >= WINDOW ? Promise.all(this.inFlight.splice(0, WINDOW / 2)).then(() => {}) : Promise.resolve();
  }

  set(key: Buffer, value: Buffer): Promise<void> {
    const connection = this.owner(key);
    return this.track((h) => connection.store(SET, key, 0, key.length, value, 0, value.length, h));
  }

  get(key: Buffer): Promise<void> {
    const connection = this.owner(key);
    return this.track((h) => connection.get(key, 0, key.length, h));
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight.splice(0));
  }

  async stats(index: number): Promise<Record<string, string>> {
    const member = this.members[index];
    return parseStats(await rawStats(member.host, member.port));
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.flat().map((c) => c.close(1000)));
  }
}

const SET = Buffer.from("set");

/** The whole `stats` reply (the pipelined client reads only one-line replies). */
function rawStats(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write("stats\r\n"));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.endsWith("END\r\n")) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("error", reject);
  });
}

function parseStats(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const match = /^STAT (\S+) (.*)$/.exec(line);
    if (match) out[match[1]] = match[2];
  }
  return out;
}

function ycsbKey(n: number): Buffer {
  return Buffer.from(`user${fnvhash64Decimal(n)}`, "latin1");
}

interface SizeSetting {
  id: string;
  /** The next value length. */
  next: () => number;
  meanBytes: number;
}

function sizeSetting(id: string, seed: number): SizeSetting {
  switch (id) {
    case "1k":
      return { id, next: () => 1024, meanBytes: 1024 };
    case "4k":
      return { id, next: () => 4096, meanBytes: 4096 };
    case "16k":
      return { id, next: () => 16384, meanBytes: 16384 };
    case "zipf": {
      const zipf = new ZipfianGenerator(new SplittableRandom(seed), 10, 1024);
      // Mean of YCSB's ZipfianGenerator(10, 1024), estimated once from its own draws.
      const probe = new ZipfianGenerator(new SplittableRandom(seed + 1), 10, 1024);
      let sum = 0;
      for (let i = 0; i < 100_000; i++) sum += probe.nextValue();
      return { id, next: () => zipf.nextValue(), meanBytes: sum / 100_000 };
    }
    default:
      throw new Error(`--size must be 1k, 4k, 16k, zipf or all, found ${JSON.stringify(id)}`);
  }
}

/**
 * The data area to reserve per process: virtual, so generous. A slab page (1 MiB) goes to one
 * size class, and the fine classes (8-byte steps up to 1 KiB, 64 per octave above) can want a page
 * each however few items they hold, so capacity must cover classes × 1 MiB besides the values.
 */
function reservedMb(valueBytes: number, k: number): number {
  return Math.max(1024, Math.ceil((3 * valueBytes) / k / MiB) + 512);
}

async function withGroup<T>(options: BenchOptions, memoryMb: number, run: (group: TestGroup, client: GroupClient) => Promise<T>): Promise<T> {
  const group = await startTestGroup({ k: options.k, m: options.m, memoryMb, codec: options.codec, nodeFlags: options.nodeFlags });
  const client = new GroupClient(group.members, options.k);
  try {
    return await run(group, client);
  } catch (error) {
    console.error(`group logs:\n${group.logs()}`);
    throw error;
  } finally {
    await client.close();
    await group.stop();
  }
}

async function waitQuiet(group: TestGroup, options: BenchOptions, report = false): Promise<void> {
  const inspector = await GroupInspector.connect({ group: 0, k: options.k, m: options.m, members: group.members.map((m) => ({ host: m.host, peerPort: m.peerPort })) });
  try {
    const states = await inspector.waitQuiet(60_000);
    if (report) {
      for (const state of states) {
        const u = state.memory!;
        console.log(`  ${state.role} ${state.index}: rss ${(u.rss / MiB).toFixed(1)}, heapTotal ${(u.heapTotal / MiB).toFixed(1)}, heapUsed ${(u.heapUsed / MiB).toFixed(1)}, external ${(u.external / MiB).toFixed(1)}, arrayBuffers ${(u.arrayBuffers / MiB).toFixed(1)} MiB`);
      }
    }
  } finally {
    inspector.close();
  }
}

async function settleRss(group: TestGroup): Promise<number[]> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return group.members.map((member) => rssBytes(member.child.pid!));
}

async function memory(options: BenchOptions, sizeId: string, targetMb: number): Promise<void> {
  const setting = sizeSetting(sizeId, 42);
  const records = Math.max(1000, Math.round((targetMb * MiB) / setting.meanBytes));
  const memoryMb = reservedMb(records * setting.meanBytes, options.k);
  await withGroup(options, memoryMb, async (group, client) => {
    const before = await settleRss(group);
    const statsBefore = await Promise.all(group.members.map((_, i) => client.stats(i)));
    const started = Date.now();
    let valueBytes = 0;
    let loaded = 0;
    for (; loaded < records && Date.now() - started < MAX_PHASE_MS; loaded++) {
      const length = setting.next();
      valueBytes += length;
      await client.set(ycsbKey(loaded), Buffer.alloc(length, 0x61 + (loaded % 26)));
    }
    await client.drain();
    const seconds = (Date.now() - started) / 1000;
    await waitQuiet(group, options, true);
    const after = await settleRss(group);
    const growth = after.map((rss, i) => rss - before[i]);
    const total = growth.reduce((a, b) => a + b, 0);
    const stats = await Promise.all(group.members.map((_, i) => client.stats(i)));
    const heapBefore = statsBefore.map((s) => Number(s.heap_used));
    const sum = (field: string) => stats.reduce((acc, s) => acc + Number(s[field] ?? 0), 0);
    console.log(`\n== memory, ${setting.id}: ${loaded} records, ${(valueBytes / MiB).toFixed(1)} MiB of values in ${seconds.toFixed(1)} s (${(loaded / seconds).toFixed(0)} sets/s), ${client.errors} errors`);
    group.members.forEach((member, i) =>
      console.log(`  ${member.role} ${i}: RSS ${(before[i] / MiB).toFixed(1)} → ${(after[i] / MiB).toFixed(1)} MiB (+${(growth[i] / MiB).toFixed(1)}), JS heap used ${(heapBefore[i] / MiB).toFixed(1)} → ${(Number(stats[i].heap_used) / MiB).toFixed(1)} MiB`),
    );
    console.log(`  RSS growth per value byte: ${(total / valueBytes).toFixed(3)}  (data processes ${(growth.slice(0, options.k).reduce((a, b) => a + b, 0) / valueBytes).toFixed(3)}, parity processes ${(growth.slice(options.k).reduce((a, b) => a + b, 0) / valueBytes).toFixed(3)})`);
    console.log(
      `  from stats, per value byte: data area ${(sum("data_area_bytes") / valueBytes).toFixed(3)}, parity ${(sum("parity_bytes") / valueBytes).toFixed(3)}, ` +
        `metadata+keys ${((sum("metadata_bytes") + sum("key_bytes")) / valueBytes).toFixed(3)}, replicas ${(sum("metadata_replica_bytes") / valueBytes).toFixed(3)}; ` +
        `per item: metadata ${((sum("metadata_bytes") + sum("key_bytes")) / loaded).toFixed(1)} B, replicas ${(sum("metadata_replica_bytes") / loaded).toFixed(1)} B`,
    );
  });
}

/** Value lengths for churn: `zipf` (YCSB's Zipfian over 10..1024 bytes, as fig-memory loads) or `uniform` (100..4000). */
function churnSizes(id: string, random: SplittableRandom): { describe: string; next: () => number; meanBytes: number } {
  if (id === "zipf") {
    const setting = sizeSetting("zipf", 7);
    return { describe: "Zipfian in [10, 1024] bytes", next: setting.next, meanBytes: setting.meanBytes };
  }
  if (id === "uniform") return { describe: "uniform in [100, 4000] bytes", next: () => 100 + random.nextInt(3901), meanBytes: 2050 };
  throw new Error(`churn: --size must be zipf or uniform, found ${JSON.stringify(id)}`);
}

/**
 * Overwrites with changing sizes: every key is rewritten `rounds` times, each time with a new
 * length. Memory per live byte must stay near the freshly loaded figure (round 0).
 */
async function churn(options: BenchOptions, sizeId: string, targetMb: number, rounds: number): Promise<void> {
  const random = new SplittableRandom(7);
  const sizes = churnSizes(sizeId, random);
  const keys = Math.round((targetMb * MiB) / sizes.meanBytes);
  const memoryMb = reservedMb(keys * sizes.meanBytes, options.k);
  await withGroup(options, memoryMb, async (group, client) => {
    const lengths = new Int32Array(keys);
    const before = await settleRss(group);
    const started = Date.now();
    console.log(`\n== churn: ${keys} keys, values ${sizes.describe}, ${rounds} rounds of overwriting every key with a new size`);
    let fresh: { rss: number; area: number; parity: number } | null = null;
    for (let round = 0; round <= rounds && Date.now() - started < MAX_PHASE_MS; round++) {
      for (let n = 0; n < keys; n++) {
        lengths[n] = sizes.next();
        await client.set(ycsbKey(n), Buffer.alloc(lengths[n], 0x61 + (round % 26)));
      }
      await client.drain();
      await waitQuiet(group, options);
      const live = lengths.reduce((a, b) => a + b, 0);
      if (client.errors > 0) throw new Error(`churn: ${client.errors} requests failed in round ${round}`);
      const rss = await settleRss(group);
      const stats = await Promise.all(group.members.map((_, i) => client.stats(i)));
      const sum = (field: string) => stats.reduce((acc, s) => acc + Number(s[field] ?? 0), 0);
      const now = { rss: rss.reduce((acc, value, i) => acc + value - before[i], 0) / live, area: sum("data_area_bytes") / live, parity: sum("parity_bytes") / live };
      fresh ??= now;
      const change = (field: keyof typeof now) => `${((100 * now[field]) / fresh![field] - 100).toFixed(1)} %`;
      console.log(
        `  after round ${round}: live ${(live / MiB).toFixed(1)} MiB; RSS growth per live byte ${now.rss.toFixed(3)} (${change("rss")}); ` +
          `data area ${now.area.toFixed(3)} (${change("area")}), parity ${now.parity.toFixed(3)} (${change("parity")}) per live byte`,
      );
    }
  });
}

/** Loads 50 000 1 KB records, then runs a seeded Zipfian mix; returns ops/s. */
async function runMix(client: GroupClient, ops: number, readRatio: number): Promise<number> {
  const records = 50_000;
  const value = Buffer.alloc(1024, 0x62);
  for (let n = 0; n < records; n++) await client.set(ycsbKey(n), value);
  await client.drain();
  const random = new SplittableRandom(11);
  const zipf = new ZipfianGenerator(random, 0, records - 1);
  const started = Date.now();
  let done = 0;
  for (; done < ops && Date.now() - started < MAX_PHASE_MS; done++) {
    const key = ycsbKey(zipf.nextValue());
    if (random.nextDouble() < readRatio) await client.get(key);
    else await client.set(key, value);
  }
  await client.drain();
  if (client.errors > 0) throw new Error(`throughput: ${client.errors} requests failed`);
  return done / ((Date.now() - started) / 1000);
}

/** The same mix on k plain processes (no redundancy) and on a Cocytus group, in one run: the ratio is what counts. */
async function throughput(options: BenchOptions, ops: number, readRatio: number): Promise<void> {
  const plain = await Promise.all(Array.from({ length: options.k }, () => startPlainProcess(["--memory", "256"], options.nodeFlags)));
  let plainRate: number;
  try {
    const client = new GroupClient(plain, options.k);
    plainRate = await runMix(client, ops, readRatio);
    await client.close();
  } finally {
    await Promise.all(plain.map((p) => p.stop()));
  }
  const cocytusRate = await withGroup(options, 256, (_group, client) => runMix(client, ops, readRatio));
  console.log(
    `\n== throughput: ${ops} ops, ${(readRatio * 100).toFixed(0)} % reads, 1 KB values, Zipfian keys over 50000, one client process, ` +
      `${CONNECTIONS_PER_PROCESS} connections per process, ${WINDOW} requests in flight: ${options.k} plain processes ${plainRate.toFixed(0)} ops/s, cocytus RS(${options.k},${options.m}) ${cocytusRate.toFixed(0)} ops/s (ratio ${(cocytusRate / plainRate).toFixed(2)})`,
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      size: { type: "string", default: "all" },
      mb: { type: "string" },
      rounds: { type: "string" },
      ops: { type: "string", default: "200000" },
      reads: { type: "string", default: "0.95" },
      codec: { type: "string", default: DEFAULT_CODEC },
      k: { type: "string", default: "3" },
      m: { type: "string", default: "2" },
      "node-flag": { type: "string", multiple: true, default: [] },
    },
  });
  const codec = values.codec as CodecName;
  if (!CODEC_NAMES.includes(codec)) throw new Error(`--codec must be one of ${CODEC_NAMES.join(", ")}, found ${codec}`);
  const options: BenchOptions = { k: Number(values.k), m: Number(values.m), codec, nodeFlags: values["node-flag"] ?? [] };
  await createCodec(codec, options.k, options.m);
  console.log(`cocytus bench: RS(${options.k},${options.m}), codec ${codec}, node ${process.version} ${options.nodeFlags.join(" ")} (2 shared cores: numbers are noisy)`);
  switch (positionals[0]) {
    case "memory":
      for (const size of values.size === "all" ? ["1k", "4k", "16k", "zipf"] : [values.size!]) await memory(options, size, Number(values.mb ?? 200));
      break;
    case "churn":
      await churn(options, values.size === "all" ? "zipf" : values.size!, Number(values.mb ?? 100), Number(values.rounds ?? 10));
      break;
    case "throughput":
      await throughput(options, Number(values.ops), Number(values.reads));
      break;
    default:
      throw new Error(`expected a command: memory, churn or throughput; found ${JSON.stringify(positionals[0])}`);
  }
}

await main();
