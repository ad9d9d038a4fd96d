/**
 * Recovery benchmark on one real group (3 data + 2 parity processes on loopback): load each data
 * process with `--mb` MB of 1 KB values, kill data process 1 (SIGKILL), and measure the leader's
 * preparation blocking time, the repair rate and duration, with no load or under a running load
 * (95 % reads), and the latency of requests during the recovery. The codec's own decode rate for
 * one lost 4 KiB page is measured beside it. Every loop is bounded in count and time.
 *
 *   node --import tsx systems/cocytus/recovery/recovery.bench.ts [--mb 256] [--load none|read95]
 *        [--mode online|blocked] [--batch-pages 256] [--codec gf256-vandermonde|native-cauchy] [--json]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { seededRandom } from "../../../test/support/seeded-random.ts";
import { CODEC_NAMES, DEFAULT_CODEC, PAGE_SIZE, createCodec, type CodecName } from "../../codec/codec.ts";
import { startTestGroup, type TestGroup } from "../test-group.ts";
import { CheckedGroupClient, type OperationRecord } from "./checked-client.ts";
import { memberStats, waitFor } from "./test-helpers.ts";
import { askCocytusView } from "./view.ts";

const K = 3;
const M = 2;
const LEADER = 3;
const VALUE_BYTES = 1000;
const MAX_PHASE_MS = 10 * 60 * 1000;

/** MB/s of decoding one lost data page from k - 1 data pages and one parity page. */
async function decodeRate(codecName: CodecName): Promise<number> {
  const codec = await createCodec(codecName, K, M);
  const random = seededRandom(5);
  const data = Array.from({ length: K }, () => Buffer.from(random.bytes(PAGE_SIZE)));
  const parity = await codec.encode(data);
  const shards = [null, data[1], data[2], parity[0], null];
  const started = performance.now();
  let pages = 0;
  while (pages < 200_000 && performance.now() - started < 1500) {
    await codec.decode(shards, [0]);
    pages++;
  }
  return (pages * PAGE_SIZE) / ((performance.now() - started) / 1000) / 1e6;
}

/** CPU seconds (user + system) a process used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentiles(records: OperationRecord[]): { count: number; p50: number; p90: number; p99: number } {
  const sorted = records.filter((r) => r.ok).map((r) => r.latencyUs).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mb: { type: "string", default: "256" },
      load: { type: "string", default: "none" },
      mode: { type: "string", default: "online" },
      "batch-pages": { type: "string", default: "256" },
      codec: { type: "string", default: DEFAULT_CODEC },
      json: { type: "boolean", default: false },
    },
  });
  const mb = Number(values.mb);
  if (!(Number.isInteger(mb) && mb >= 1 && mb <= 4096)) throw new Error(`--mb must be an integer from 1 to 4096, found ${values.mb}`);
  if (values.load !== "none" && values.load !== "read95") throw new Error(`--load must be none or read95, found ${values.load}`);
  if (values.mode !== "online" && values.mode !== "blocked") throw new Error(`--mode must be online or blocked, found ${values.mode}`);
  const codec = values.codec as CodecName;
  if (!CODEC_NAMES.includes(codec)) throw new Error(`--codec must be one of ${CODEC_NAMES.join(", ")}, found ${values.codec}`);

  const decodeMBps = await decodeRate(codec);
  const keyCount = Math.ceil((K * mb * 1024 * 1024) / VALUE_BYTES);
  const keys = Array.from({ length: keyCount }, (_, n) => `user${n}`);
  const group: TestGroup = await startTestGroup({
    k: K,
    m: M,
    memoryMb: Math.ceil(mb * 1.3) + 64,
    codec,
    nodeFlags: ["--max-old-space-size=4096"],
    env: { COCYTUS_RECOVERY: values.mode, COCYTUS_REPAIR_BATCH_PAGES: values["batch-pages"] },
  });
  const addresses = group.members.map((member) => `${member.host}:${member.port}`);
  const leader = group.members[LEADER];
  let client: CheckedGroupClient | undefined;
  try {
    const view = await waitFor("the first view", () => askCocytusView(leader.host, leader.port), 10_000);
    client = new CheckedGroupClient(view, K, addresses, 10_000, 8);
    const loadStarted = Date.now();
    const preloadFailed = await client.preload(keys, () => VALUE_BYTES, 128);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    process.stderr.write(`loaded ${keyCount} values of ${VALUE_BYTES} B (${mb} MB per data process) in ${loadSeconds.toFixed(1)} s, ${preloadFailed} failed\n`);

    let repaired = false;
    let killedAt = 0;
    const random = seededRandom(42);
    const running =
      values.load === "read95"
        ? client.run(keys, () => VALUE_BYTES, () => random.next(), { operations: 50_000_000, maxMs: MAX_PHASE_MS, writeShare: 0.05, window: 32, stop: () => repaired })
        : undefined;
    const runStarted = Date.now();
    if (running) await new Promise((resolve) => setTimeout(resolve, 2000));
    const busy = [0, 2, 3].map((index) => group.members[index].child.pid);
    const cpuBefore = busy.map(cpuSeconds);
    killedAt = Date.now();
    await group.kill(1);
    const stats = await waitFor(
      "the repair to complete",
      async () => {
        const fields = await memberStats(leader.host, leader.port);
        return fields.recovery_state === "repaired" ? fields : undefined;
      },
      MAX_PHASE_MS,
    );
    const cpu = busy.map((pid, n) => cpuSeconds(pid) - cpuBefore[n]);
    await new Promise((resolve) => setTimeout(resolve, running ? 1000 : 0));
    repaired = true;
    const result = await running;
    const end = Number(stats.recovery_end);
    const start = Number(stats.recovery_start);
    // By issue time: a request issued during the recovery counts there, however long it waited.
    const issuedAt = (r: OperationRecord) => runStarted + r.at - r.latencyUs / 1000;
    const during = result?.records.filter((r) => issuedAt(r) >= killedAt && issuedAt(r) <= end) ?? [];
    const before = result?.records.filter((r) => issuedAt(r) < killedAt) ?? [];
    const report = {
      codec,
      mode: values.mode,
      load: values.load,
      mbPerDataProcess: mb,
      batchPages: Number(values["batch-pages"]),
      detectionMs: start - killedAt,
      prepBlockMs: Number(stats.prep_block_ms),
      pagesRepaired: Number(stats.pages_repaired),
      repairSeconds: (end - start) / 1000,
      repairMBps: Number(stats.repair_bytes_per_sec) / 1e6,
      codecDecodeMBps: Math.round(decodeMBps),
      /** CPU seconds of the leader and of the two surviving data processes from the kill to the end of the repair. */
      cpuSecondsLeader: cpu[2],
      cpuSecondsDataProcesses: cpu[0] + cpu[1],
      repairMBPerLeaderCpuSecond: (Number(stats.pages_repaired) * PAGE_SIZE) / 1e6 / Math.max(0.01, cpu[2]),
      loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
      requestsWaitedOnRepair: Number(stats.requests_waited_on_repair),
      latencyUsBefore: result ? percentiles(before) : null,
      latencyUsDuringRecovery: result ? percentiles(during) : null,
      failedShare: result ? result.failed / Math.max(1, result.operations) : null,
      violations: client.violations.length,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(
        `recovery of data process 1 (${mb} MB of 1 KB values per data process, ${values.mode}, load ${values.load}, codec ${codec}, ${report.batchPages}-page batches)\n` +
          `  detection ${report.detectionMs} ms after SIGKILL; preparation blocked its keys ${report.prepBlockMs} ms\n` +
          `  repaired ${report.pagesRepaired} pages (${((report.pagesRepaired * PAGE_SIZE) / 1e6).toFixed(0)} MB) in ${report.repairSeconds.toFixed(2)} s: ${report.repairMBps.toFixed(1)} MB/s (codec decode alone: ${report.codecDecodeMBps} MB/s)\n` +
          `  CPU from the kill to the end: leader ${report.cpuSecondsLeader.toFixed(2)} s (${report.repairMBPerLeaderCpuSecond.toFixed(0)} MB repaired per leader CPU-second), surviving data processes ${report.cpuSecondsDataProcesses.toFixed(2)} s; load average ${report.loadAverage}\n` +
          (result
            ? `  latency µs before the kill p50/p90/p99 ${report.latencyUsBefore!.p50}/${report.latencyUsBefore!.p90}/${report.latencyUsBefore!.p99} (${report.latencyUsBefore!.count} ops); ` +
              `during recovery ${report.latencyUsDuringRecovery!.p50}/${report.latencyUsDuringRecovery!.p90}/${report.latencyUsDuringRecovery!.p99} (${report.latencyUsDuringRecovery!.count} ops issued, ${(report.latencyUsDuringRecovery!.count / report.repairSeconds).toFixed(0)}/s)\n` +
              `  ${result.failed} of ${result.operations} requests failed or timed out; ${report.requestsWaitedOnRepair} waited on repair; ${report.violations} violations\n`
            : ""),
      );
    }
  } finally {
    await client?.close();
    await group.stop();
  }
}

await main();
