/**
 * Throughput of one plain-mode process against `memcached -t 1`, under Debian's load generators,
 * in the same run and with the same load (DESIGN section 12: target >= 0.6x native).
 *
 *   node --import tsx systems/server/throughput.bench.ts [--seconds 10] [--rounds 2]
 *        [--threads 2] [--concurrency 32] [--profile]
 *
 * memcaslap (memaslap) drives each server for --seconds, alternating servers for --rounds, with
 * its default mix (90% get, 10% set, 64-byte keys, ~1 KiB values); memcslap then runs its
 * blocking set and get tests (one request in flight per thread: a latency measure). Besides
 * ops/s, each run reports the server's CPU seconds (from /proc), since ops per CPU-second is
 * steadier than ops/s on a shared machine. --profile runs our server under `node --cpu-prof`
 * and prints where its time went.
 */

import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { startNativeMemcached } from "../../test/support/memcached.ts";
import type { RunningProcess } from "../../test/support/process.ts";
import { SERVER_NODE_FLAGS } from "./node-flags.ts";
import { startPlainProcess } from "./test-servers.ts";

const run = promisify(execFile);

interface Measurement {
  server: string;
  tool: string;
  ops: number;
  seconds: number;
  cpuSeconds: number;
}

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    threads: { type: "string", default: "2" },
    concurrency: { type: "string", default: "32" },
    profile: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(seconds >= 1 && seconds <= 120 && rounds >= 1 && rounds <= 10)) {
  console.error(`throughput.bench: --seconds must be in 1..120 and --rounds in 1..10, found ${values.seconds} and ${values.rounds}`);
  process.exit(2);
}

async function which(names: string[]): Promise<string | null> {
  for (const name of names) {
    try {
      await run("which", [name]);
      return name;
    } catch {
      // try the next name
    }
  }
  return null;
}

/** utime + stime of a process, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(server: string, target: RunningProcess, tool: string, load: () => Promise<{ ops: number; seconds: number }>): Promise<Measurement> {
  const pid = target.child.pid!;
  const cpuBefore = await cpuSeconds(pid);
  const { ops, seconds: elapsed } = await load();
  const cpu = (await cpuSeconds(pid)) - cpuBefore;
  const m = { server, tool, ops, seconds: elapsed, cpuSeconds: cpu };
  console.log(
    `${server.padEnd(10)} ${tool.padEnd(16)} ${Math.round(ops / elapsed).toString().padStart(8)} ops/s  ` +
      `${Math.round(ops / Math.max(cpu, 0.01)).toString().padStart(8)} ops/CPU-s  (${ops} ops in ${elapsed.toFixed(2)} s, server CPU ${cpu.toFixed(2)} s)`,
  );
  return m;
}

async function memaslap(tool: string, target: RunningProcess): Promise<{ ops: number; seconds: number }> {
  const args = ["-s", `${target.host}:${target.port}`, "-t", `${seconds}s`, "-T", values.threads!, "-c", values.concurrency!];
  const { stdout } = await run(tool, args, { timeout: (seconds + 30) * 1000, maxBuffer: 16 * 1024 * 1024 });
  const match = /Run time: ([\d.]+)s Ops: (\d+) TPS: (\d+)/.exec(stdout);
  if (match === null) throw new Error(`${tool}: expected a "Run time: ... Ops: ... TPS: ..." line, found:\n${stdout.slice(-500)}`);
  return { ops: Number(match[2]), seconds: Number(match[1]) };
}

async function memcslap(kind: "set" | "get", target: RunningProcess): Promise<{ ops: number; seconds: number }> {
  const args = [`--servers=${target.host}:${target.port}`, `--concurrency=${values.threads}`, "--execute-number=20000", `--test=${kind}`];
  const { stdout } = await run("memcslap", args, { timeout: 120_000 });
  const match = new RegExp(`Time to ${kind}\\s+(\\d+) keys by\\s+\\d+ threads:\\s+([\\d.]+) seconds`).exec(stdout);
  if (match === null) throw new Error(`memcslap: expected a "Time to ${kind} N keys" line, found:\n${stdout}`);
  return { ops: Number(match[1]), seconds: Number(match[2]) };
}

/** The functions with the most self time in a .cpuprofile (V8's format). */
async function summarizeProfile(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0) {
    console.log(`no .cpuprofile written in ${dir}`);
    return;
  }
  const profile = JSON.parse(await readFile(join(dir, files[0]), "utf8")) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)!.callFrame;
    const where = frame.url ? `${frame.url.replace(/^.*\/(systems|node_modules)\//, "$1/")}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"} ${where}`.trim();
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + delta);
    total += delta;
  });
  console.log(`\nour server's CPU profile (${files[0]}), top self time:`);
  for (const [name, time] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}

function summarize(results: Measurement[], tool: string): void {
  const total = (server: string, pick: (m: Measurement) => number) =>
    results.filter((m) => m.server === server && m.tool === tool).reduce((sum, m) => sum + pick(m), 0);
  const rate = (server: string) => total(server, (m) => m.ops) / total(server, (m) => m.seconds);
  const perCpu = (server: string) => total(server, (m) => m.ops) / Math.max(total(server, (m) => m.cpuSeconds), 0.01);
  console.log(
    `${tool}: plain ${Math.round(rate("plain"))} ops/s vs memcached -t 1 ${Math.round(rate("memcached"))} ops/s -> ratio ${(rate("plain") / rate("memcached")).toFixed(2)}; ` +
      `per server CPU-second ${(perCpu("plain") / perCpu("memcached")).toFixed(2)}`,
  );
}

const memaslapTool = await which(["memcaslap", "memaslap"]);
const memcslapTool = await which(["memcslap"]);
if (memaslapTool === null && memcslapTool === null) {
  console.error("throughput.bench: neither memcaslap/memaslap nor memcslap is installed (apt-get install libmemcached-tools)");
  process.exit(2);
}

const profileDir = values.profile ? await mkdtemp(join(tmpdir(), "plain-profile-")) : null;
const native = await startNativeMemcached({ threads: 1, memoryMb: 1024 });
const ours = await startPlainProcess(["--memory", "1024"], [...SERVER_NODE_FLAGS, ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])]);
const stopAll = async () => {
  await Promise.all([native.stop(), ours.stop()]);
};
process.once("SIGINT", () => {
  stopAll().finally(() => process.exit(130));
});

const results: Measurement[] = [];
try {
  console.log(`machine: ${(await readFile("/proc/loadavg", "latin1")).trim()} (load average; this machine is shared, compare ratios only)`);
  if (memaslapTool !== null) {
    console.log(`\n${memaslapTool} -T ${values.threads} -c ${values.concurrency} -t ${seconds}s, ${rounds} round(s), servers alternating:`);
    for (let round = 0; round < rounds; round++) {
      results.push(await measure("memcached", native, memaslapTool, () => memaslap(memaslapTool, native)));
      results.push(await measure("plain", ours, memaslapTool, () => memaslap(memaslapTool, ours)));
    }
  }
  if (memcslapTool !== null) {
    console.log(`\nmemcslap --concurrency=${values.threads} --execute-number=20000 (blocking: one request in flight per thread):`);
    for (const kind of ["set", "get"] as const) {
      results.push(await measure("memcached", native, `memcslap ${kind}`, () => memcslap(kind, native)));
      results.push(await measure("plain", ours, `memcslap ${kind}`, () => memcslap(kind, ours)));
    }
  }
  console.log("");
  for (const tool of new Set(results.map((m) => m.tool))) summarize(results, tool);
} finally {
  await stopAll();
}
if (profileDir !== null) {
  await summarizeProfile(profileDir);
  await rm(profileDir, { recursive: true, force: true });
}
