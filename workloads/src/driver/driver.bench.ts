// Benchmark: our driver against native memcached vs Debian's memcaslap (libmemcached-tools) against
// the same server in the same run: same value size, read ratio and number of clients, each bounded
// in time. Prints ops/s of each round and the ratio of the medians (target: ours >= 0.8x memcaslap).
//
//   node --import tsx workloads/src/driver/driver.bench.ts [--seconds 10] [--clients 16]
//        [--value 1024] [--reads 0.95] [--workers 1] [--memcached-threads 1] [--rounds 2]
//        [--memaslap-threads 1] [--records 10000] [--connections 2 (per server per worker)]
//
// Each round also reports the load generator's CPU time per operation (ours: this process; memcaslap:
// bash's `times`), which says more than ops/s when other work shares the cores. Worker threads are
// started (and their code warmed up) anew in every round, so compare --workers 2 with rounds of
// 10 s or more. memcslap (the other libmemcached load generator) has no read ratio or time bound, so
// the comparison uses memcaslap. The machine is shared: read ratios from one run, not absolute numbers.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startNativeMemcached } from "../../../test/support/memcached.ts";
import { runYcsb } from "./api.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    clients: { type: "string", default: "16" },
    value: { type: "string", default: "1024" },
    reads: { type: "string", default: "0.95" },
    workers: { type: "string", default: "1" },
    "memcached-threads": { type: "string", default: "1" },
    "memaslap-threads": { type: "string", default: "1" },
    rounds: { type: "string", default: "2" },
    records: { type: "string", default: "10000" },
    connections: { type: "string", default: "2" },
  },
});
const seconds = Number(args.seconds);
const clients = Number(args.clients);
const valueBytes = Number(args.value);
const reads = Number(args.reads);
const workers = Number(args.workers);
const rounds = Number(args.rounds);
const records = Number(args.records);
const memaslapThreads = Number(args["memaslap-threads"]);

interface Round {
  opsPerSec: number;
  /** CPU time of the load generator (user + system) per operation, µs. */
  cpuUsPerOp: number;
}

/** memcaslap's throughput (its "TPS") for the same mix: 23-byte keys like YCSB's, fixed values; its CPU from bash's `times`. */
async function memaslap(server: string, dir: string): Promise<Round> {
  const config = join(dir, "memaslap.cfg");
  writeFileSync(config, `key\n23 23 1\nvalue\n${valueBytes} ${valueBytes} 1\ncmd\n0 ${(1 - reads).toFixed(4)}\n1 ${reads.toFixed(4)}\n`);
  const command = `memcaslap -s ${server} -F ${config} -t ${seconds}s -T ${memaslapThreads} -c ${clients}; times`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile("bash", ["-c", command], { timeout: (seconds + 30) * 1000 }, (error, stdout, stderr) => (error ? reject(new Error(`memcaslap failed: ${error.message}\n${stderr}`)) : resolve(stdout))),
  );
  const tps = /TPS: (\d+)/.exec(out);
  const ops = /Ops: (\d+)/.exec(out);
  // `times` prints the shell's times, then its children's: "0m1.234s 0m0.567s".
  const children = [...out.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/g)].at(-1);
  if (!tps || !ops || !children) throw new Error(`memcaslap printed no TPS/Ops line or times:\n${out}`);
  const cpuS = Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]);
  return { opsPerSec: Number(tps[1]), cpuUsPerOp: (cpuS * 1e6) / Number(ops[1]) };
}

/** Our driver's throughput; its CPU is this process's (one worker runs in this thread, others are threads of it). */
async function ours(server: string): Promise<Round> {
  const properties = {
    recordcount: records,
    operationcount: 1_000_000_000,
    maxexecutiontime: seconds,
    threadcount: clients,
    fieldcount: 1,
    fieldlength: valueBytes,
    readproportion: reads,
    updateproportion: 1 - reads,
    requestdistribution: "uniform",
    "memcached.connections": args.connections,
  };
  const cpu = process.cpuUsage();
  const result = await runYcsb({ phase: "run", propertyFiles: [], properties, targets: server, workers, seed: 1 });
  const used = process.cpuUsage(cpu);
  if (result.verification.corrupted > 0 || result.verification.missingAcknowledged > 0) throw new Error(`our driver found bad reads: ${JSON.stringify(result.verification)}`);
  return { opsPerSec: result.throughput, cpuUsPerOp: (used.user + used.system) / result.operations };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const memcached = await startNativeMemcached({ memoryMb: 1024, threads: Number(args["memcached-threads"]) });
const dir = mkdtempSync(join(tmpdir(), "driver-bench-"));
try {
  const server = `${memcached.host}:${memcached.port}`;
  await runYcsb({ phase: "load", properties: { recordcount: records, fieldcount: 1, fieldlength: valueBytes, threadcount: clients }, targets: server, workers, seed: 1 });
  console.log(`memcached -t ${args["memcached-threads"]}; ${clients} clients, ${valueBytes}-byte values, ${reads * 100}% reads, ${seconds} s per round; ours with ${workers} worker(s), memcaslap with -T ${memaslapThreads}`);
  const oursRounds: Round[] = [];
  const theirRounds: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so that a change in the machine's load hits both alike.
    const pair = r % 2 === 0 ? [await ours(server), await memaslap(server, dir)] : [await memaslap(server, dir), await ours(server)].reverse();
    oursRounds.push(pair[0]);
    theirRounds.push(pair[1]);
    console.log(`round ${r + 1}: ycsb-ts ${pair[0].opsPerSec.toFixed(0)} ops/s (${pair[0].cpuUsPerOp.toFixed(1)} µs CPU/op), memcaslap ${pair[1].opsPerSec.toFixed(0)} ops/s (${pair[1].cpuUsPerOp.toFixed(1)} µs CPU/op), ratio ${(pair[0].opsPerSec / pair[1].opsPerSec).toFixed(2)}`);
  }
  const ratios = oursRounds.map((o, i) => o.opsPerSec / theirRounds[i].opsPerSec);
  const oursMedian = median(oursRounds.map((r) => r.opsPerSec));
  const theirMedian = median(theirRounds.map((r) => r.opsPerSec));
  console.log(`median: ycsb-ts ${oursMedian.toFixed(0)} ops/s (${median(oursRounds.map((r) => r.cpuUsPerOp)).toFixed(1)} µs CPU/op), memcaslap ${theirMedian.toFixed(0)} ops/s (${median(theirRounds.map((r) => r.cpuUsPerOp)).toFixed(1)} µs CPU/op)`);
  console.log(`ratio of medians ${(oursMedian / theirMedian).toFixed(2)}, median of per-round ratios ${median(ratios).toFixed(2)} (target >= 0.8)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await memcached.stop();
}
