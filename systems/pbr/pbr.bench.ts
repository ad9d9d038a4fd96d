/**
 * pbr against plain, in one run on this machine (numbers, never a timed test):
 *
 *   node --import tsx systems/pbr/pbr.bench.ts [--sizes 1k,4k,16k,zipf] [--records N]
 *        [--seconds S] [--only memory|throughput]
 *
 * memory: a fresh plain process and a fresh pbr group (three processes) are loaded in turn with
 * the same YCSB records (fig-memory's value sizes, ycsb-ts's load phase); RSS growth per value
 * byte is read from /proc, summed over the group, and compared with 3 × plain's.
 * throughput: a plain process and a pbr group, each loaded with 1 KB records, run the paper's
 * 50 / 95 / 100 % read workloads for S seconds each (closed loop); ops/s and pbr / plain.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parseProcStats } from "../../harness/cluster/proc-stats.ts";
import type { ProcStats } from "../../harness/cluster/types.ts";
import { valueSizeById, memoryPerProcessMb, type ValueSize } from "../../harness/experiments/fig-memory/value-sizes.ts";
import { Cleanup } from "../../harness/experiments/cleanup.ts";
import { runYcsb } from "../../workloads/src/index.ts";
import { startProcessGroup, type ProcessGroup } from "../../test/support/process-group.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { startPbrTestGroup } from "./test-group.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1k,4k,16k,zipf" },
    records: { type: "string" },
    seconds: { type: "string", default: "10" },
    only: { type: "string" },
    seed: { type: "string", default: "42" },
  },
});
const sizes = values.sizes.split(",").map((id) => valueSizeById(id.trim()));
const seed = Number(values.seed);
const seconds = Number(values.seconds);
const log = (line: string) => process.stderr.write(`${line}\n`);
// Every started process is stopped on every exit path, Ctrl-C and SIGTERM included.
const cleanup = new Cleanup();
cleanup.installSignalHandlers();

/** Starts a group, runs `use` with it, and stops the group whatever happens. */
async function withGroup<T>(label: string, start: () => Promise<ProcessGroup>, use: (group: ProcessGroup) => Promise<T>): Promise<T> {
  const group = await start();
  const stop = cleanup.add(label, () => group.stop());
  try {
    return await use(group);
  } finally {
    await stop();
  }
}

async function procOf(pid: number): Promise<ProcStats> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/status`, "utf8")]);
  const proc = parseProcStats(pid, stat, status);
  if (!proc.alive) throw new Error(`process ${pid} is not running`);
  return proc;
}

const procAll = (group: ProcessGroup) => Promise.all(group.members.map((m) => procOf(m.child.pid!)));
const rssAll = async (group: ProcessGroup) => (await procAll(group)).map((p) => p.rssBytes);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stats(host: string, port: number): Promise<Map<string, string>> {
  const { received } = await rawExchange(host, port, [{ send: "stats\r\n", waitFor: "END\r\n" }], { pauseMs: 0 });
  return new Map([...received.toString("latin1").matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1], m[2]]));
}

function startPlain(memoryMb: number): Promise<ProcessGroup> {
  return startProcessGroup({ size: 1, args: (m) => ["--mode", "plain", "--host", m.host, "--port", m.port, "--memory", memoryMb] });
}

async function load(group: ProcessGroup, size: ValueSize, records: number): Promise<number> {
  const primary = group.members[0];
  const result = await runYcsb({
    phase: "load",
    properties: { ...size.properties, recordcount: records, threadcount: 16, maxexecutiontime: 600 },
    targets: `${primary.host}:${primary.port}`,
    seed,
    signal: cleanup.signal,
  });
  const failed = result.measurements["INSERT-FAILED"]?.count ?? 0;
  if (failed > 0) throw new Error(`${failed} of ${records} inserts failed`);
  return result.valueBytesInserted;
}

interface MemoryRow {
  size: string;
  records: number;
  plain: number;
  pbr: number;
  primary: number;
  backups: number;
}

function memoryOf(label: string, start: () => Promise<ProcessGroup>, size: ValueSize, records: number) {
  return withGroup(label, start, async (group) => {
    await settle(1000);
    const before = await rssAll(group);
    const valueBytes = await load(group, size, records);
    await settle(1500);
    const after = await rssAll(group);
    const growth = after.map((rss, i) => rss - before[i]);
    const memberStats = await Promise.all(group.members.map((m) => stats(m.host, m.port)));
    return { valueBytes, growth, memberStats };
  });
}

async function memoryBench(): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const size of sizes) {
    const records = values.records === undefined ? size.records.fast : Number(values.records);
    const memoryMb = memoryPerProcessMb(records * Number(size.properties.fieldlength), 1);
    log(`memory · ${size.label}: plain, ${records} records...`);
    const plain = await memoryOf("plain server", () => startPlain(memoryMb), size, records);
    log(`memory · ${size.label}: pbr group, ${records} records...`);
    const pbr = await memoryOf("pbr group", () => startPbrTestGroup({ memoryMb }), size, records);
    const seqs = pbr.memberStats.map((s) => s.get("pbr_applied_seq"));
    if (new Set(seqs).size !== 1) log(`  warning: the members' applied seqs differ after the load: ${seqs.join(", ")}`);
    const row: MemoryRow = {
      size: size.label,
      records,
      plain: plain.growth[0] / plain.valueBytes,
      pbr: pbr.growth.reduce((a, b) => a + b, 0) / pbr.valueBytes,
      primary: pbr.growth[0] / pbr.valueBytes,
      backups: (pbr.growth[1] + pbr.growth[2]) / pbr.valueBytes,
    };
    log(`  plain ${row.plain.toFixed(3)}, pbr ${row.pbr.toFixed(3)} (primary ${row.primary.toFixed(3)} + backups ${row.backups.toFixed(3)}) bytes of RSS per value byte; pbr / (3 × plain) = ${(row.pbr / (3 * row.plain)).toFixed(4)}`);
    const p = plain.memberStats[0];
    log(`  plain: items ${p.get("curr_items")}, data_area_bytes ${p.get("data_area_bytes")}, metadata_bytes ${p.get("metadata_bytes")}, rss ${p.get("rss")}, heap_used ${p.get("heap_used")}, growth ${plain.growth[0]}`);
    for (const [i, s] of pbr.memberStats.entries()) {
      log(`  member ${i} (${s.get("pbr_role")}): items ${s.get("curr_items")}, data_area_bytes ${s.get("data_area_bytes")}, metadata_bytes ${s.get("metadata_bytes")}, key_bytes ${s.get("key_bytes")}, rss ${s.get("rss")}, heap_used ${s.get("heap_used")}, heap_total ${s.get("heap_total")}, growth ${pbr.growth[i]}`);
    }
    rows.push(row);
  }
  return rows;
}

interface ThroughputRow {
  reads: number;
  plain: number;
  pbr: number;
  /** CPU µs per operation of each process (plain: one; pbr: primary, backup, backup). */
  cpu: Record<"plain" | "pbr", number[]>;
}

async function throughputOf(group: ProcessGroup, readPercent: number, records: number): Promise<{ throughput: number; cpuPerOp: number[] }> {
  const primary = group.members[0];
  const before = await procAll(group);
  const result = await runYcsb({
    phase: "run",
    propertyFiles: [`workloads/workloads/paper-${readPercent}-1k`],
    properties: { recordcount: records, operationcount: 50_000_000, maxexecutiontime: seconds, threadcount: 32, warmuptime: 1 },
    targets: `${primary.host}:${primary.port}`,
    seed,
    signal: cleanup.signal,
  });
  const failed = Object.entries(result.measurements).filter(([name]) => name.endsWith("-FAILED")).reduce((sum, [, m]) => sum + m.count, 0);
  if (failed > 0) throw new Error(`${failed} operations failed at ${readPercent} % reads`);
  const after = await procAll(group);
  return { throughput: result.throughput, cpuPerOp: after.map((p, i) => ((p.cpuSeconds - before[i].cpuSeconds) * 1e6) / result.operations) };
}

async function throughputBench(): Promise<ThroughputRow[]> {
  const records = values.records === undefined ? 100_000 : Number(values.records);
  const oneK = valueSizeById("1k");
  const rows: ThroughputRow[] = [50, 95, 100].map((reads) => ({ reads, plain: 0, pbr: 0, cpu: { plain: [], pbr: [] } }));
  for (const system of ["plain", "pbr"] as const) {
    const start = () => (system === "plain" ? startPlain(1024) : startPbrTestGroup({ memoryMb: 1024 }));
    await withGroup(system, start, async (group) => {
      log(`throughput · ${system}: loading ${records} 1 KB records...`);
      await load(group, oneK, records);
      for (const row of rows) {
        const { throughput, cpuPerOp } = await throughputOf(group, row.reads, records);
        row[system] = throughput;
        row.cpu[system] = cpuPerOp;
        log(`  ${system} at ${row.reads} % reads: ${throughput.toFixed(0)} ops/s, CPU µs per operation ${cpuPerOp.map((c) => c.toFixed(1)).join(" + ")}`);
      }
    });
  }
  return rows;
}

/** The report: one table per part that ran. */
async function report(): Promise<string[]> {
  const lines: string[] = [];
  if (values.only !== "throughput") {
    const rows = await memoryBench();
    lines.push("RSS growth per value byte (after loading; pbr = sum over the group of 3)");
    lines.push("size            records   plain   pbr     primary  backups  pbr/(3×plain)");
    for (const r of rows) {
      lines.push(`${r.size.padEnd(15)} ${String(r.records).padStart(7)}   ${r.plain.toFixed(3)}   ${r.pbr.toFixed(3)}   ${r.primary.toFixed(3)}    ${r.backups.toFixed(3)}    ${(r.pbr / (3 * r.plain)).toFixed(4)}`);
    }
  }
  if (values.only !== "memory") {
    const rows = await throughputBench();
    lines.push(`throughput, 1 KB values, zipfian keys, 32 client threads, ${seconds} s per point (ops/s)`);
    lines.push("reads   plain     pbr       pbr/plain   CPU µs/op: plain   pbr primary + backups");
    for (const r of rows) {
      const [primary, ...backups] = r.cpu.pbr;
      lines.push(`${String(r.reads).padStart(3)} %   ${r.plain.toFixed(0).padStart(7)}   ${r.pbr.toFixed(0).padStart(7)}   ${(r.pbr / r.plain).toFixed(3).padStart(9)}   ${r.cpu.plain[0].toFixed(1).padStart(16)}   ${primary.toFixed(1)} + ${backups.map((c) => c.toFixed(1)).join(" + ")}`);
    }
  }
  return lines;
}

try {
  const lines = await report();
  process.stdout.write(`\n${lines.join("\n")}\n(one shared 2-core machine: all processes and the driver on it; seed ${seed})\n`);
} finally {
  await cleanup.run();
  cleanup.removeSignalHandlers();
}
