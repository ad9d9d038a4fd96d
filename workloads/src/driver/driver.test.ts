import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startNativeMemcached } from "../../../test/support/memcached.ts";
import type { RunningProcess } from "../../../test/support/process.ts";
import { route } from "../../../systems/routing/router.ts";
import { MemcachedConnection } from "../binding/memcached-connection.ts";
import { checkValue, keyHash } from "../binding/value-format.ts";
import { SplittableRandom } from "../random/splittable-random.ts";
import { CoreWorkload } from "../workload/core-workload.ts";
import { Properties } from "../workload/properties.ts";
import { runYcsb } from "./api.ts";

const WORKLOAD_A = new URL("../../workloads/workloada", import.meta.url).pathname;
const BIN = new URL("../../bin/ycsb-ts.mjs", import.meta.url).pathname;

async function withMemcached<T>(f: (m: RunningProcess) => Promise<T>, count = 1): Promise<T> {
  const servers: RunningProcess[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startNativeMemcached({ memoryMb: 64 }));
    return await f(servers[0]);
  } finally {
    for (const s of servers) await s.stop();
  }
}

/** The keys a load of `recordcount` records writes (YCSB's hashed key names). */
function loadedKeys(recordcount: number): string[] {
  const props = new Properties();
  props.set("recordcount", String(recordcount));
  props.set("operationcount", "1");
  props.set("requestdistribution", "uniform");
  const workload = new CoreWorkload(props, new SplittableRandom(1));
  return Array.from({ length: recordcount }, (_, i) => workload.buildKeyName(i));
}

async function rawGet(conn: MemcachedConnection, key: string): Promise<Buffer | null> {
  return new Promise((resolve) => conn.get(Buffer.from(key), 0, key.length, { onReply: (reply, d, s, e) => resolve(reply === "hit" ? Buffer.from(d!.subarray(s, e)) : null) }));
}

describe("the driver against native memcached", () => {
  test("loading then running workload A verifies every read and prints YCSB's report lines", async () => {
    await withMemcached(async (m) => {
      const targets = `${m.host}:${m.port}`;
      const common = { propertyFiles: [WORKLOAD_A], targets, seed: 42, workers: 1 };
      const load = await runYcsb({ ...common, phase: "load", properties: { recordcount: 300, threadcount: 4 } });
      assert.equal(load.operations, 300);
      assert.equal(load.measurements.INSERT.statuses.OK, 300);
      assert.equal(load.valueBytesInserted, 300 * 10 * 100, "workload A records are 10 fields of 100 bytes");
      assert.equal(load.seed, "42");

      const run = await runYcsb({ ...common, phase: "run", properties: { recordcount: 300, operationcount: 2000, threadcount: 8 } });
      const reads = run.measurements.READ.statuses.OK;
      assert.equal(run.operations, 2000);
      assert.equal(reads + run.measurements.UPDATE.statuses.OK, 2000);
      assert.ok(reads > 800 && reads < 1200, `about half reads, found ${reads}`);
      assert.deepEqual(run.verification, { verifiedOk: reads, corrupted: 0, missingAcknowledged: 0, examples: [] });
      assert.equal(run.measurements["READ-FAILED"], undefined);
      for (const line of [
        /^\[OVERALL\], RunTime\(ms\), \d+$/m,
        /^\[OVERALL\], Throughput\(ops\/sec\), \d+\.\d+(E\d+)?$/m,
        /^\[READ\], Operations, \d+$/m,
        /^\[READ\], AverageLatency\(us\), \d+\.\d+$/m,
        /^\[READ\], MinLatency\(us\), \d+$/m,
        /^\[READ\], MaxLatency\(us\), \d+$/m,
        /^\[READ\], 95thPercentileLatency\(us\), \d+$/m,
        /^\[READ\], 99thPercentileLatency\(us\), \d+$/m,
        /^\[READ\], Return=OK, \d+$/m,
        /^\[UPDATE\], Operations, \d+$/m,
        /^\[UPDATE\], Return=OK, \d+$/m,
      ]) {
        assert.match(run.text, line);
      }
      assert.equal(run.timeSeries.reduce((n, p) => n + p.operations, 0), 2000);
    });
  });

  test("two worker threads split the load so that every record is stored exactly once, with their own seeds", async () => {
    await withMemcached(async (m) => {
      const result = await runYcsb({ phase: "load", propertyFiles: [WORKLOAD_A], properties: { recordcount: 500, threadcount: 6, fieldcount: 1, fieldlength: 64 }, targets: `${m.host}:${m.port}`, seed: 7, workers: 2 });
      assert.equal(result.workers, 2);
      assert.equal(result.workerSeeds.length, 2);
      assert.equal(result.workerSeeds[0], "7");
      assert.notEqual(result.workerSeeds[1], "7");
      assert.equal(result.measurements.INSERT.statuses.OK, 500);
      assert.equal(result.valueBytesInserted, 500 * 64);
      const conn = new MemcachedConnection(m.host, m.port, { timeoutMs: 2000 });
      try {
        const values = await Promise.all(loadedKeys(500).map((k) => rawGet(conn, k)));
        values.forEach((v, i) => {
          assert.ok(v !== null, `record ${i} was stored`);
          assert.equal(checkValue(v, 0, v.length, keyHash(Buffer.from(loadedKeys(500)[i])), { check: "ok", version: -1 }).check, "ok");
        });
        assert.equal(await rawGet(conn, loadedKeys(501)[500]), null, "nothing beyond recordcount");
      } finally {
        await conn.close();
      }
    });
  });

  test("a process table routes each key to the process the routing contract names", async () => {
    const servers = await Promise.all([0, 1, 2].map(() => startNativeMemcached()));
    try {
      const table = servers.map((s, p) => ({ id: `plain-${p}`, node: p, role: "plain", group: p, index: 0, host: s.host, port: s.port, pid: 0 }));
      const result = await runYcsb({ phase: "load", propertyFiles: [WORKLOAD_A], properties: { recordcount: 200, threadcount: 4 }, processTable: table, workers: 1 });
      assert.equal(result.measurements.INSERT.statuses.OK, 200);
      const conns = servers.map((s) => new MemcachedConnection(s.host, s.port, { timeoutMs: 2000 }));
      try {
        for (const key of loadedKeys(200)) {
          const owner = route(Buffer.from(key), { mode: "plain", groups: 3 }).group;
          const found = await Promise.all(conns.map((c) => rawGet(c, key)));
          assert.deepEqual(found.map((v) => v !== null), [0, 1, 2].map((p) => p === owner), `${key} only on process ${owner}`);
        }
      } finally {
        await Promise.all(conns.map((c) => c.close()));
      }
    } finally {
      for (const s of servers) await s.stop();
    }
  });

  test("a run stops at maxexecutiontime when operationcount is not reached, and warm-up seconds are not measured", async () => {
    await withMemcached(async (m) => {
      const targets = `${m.host}:${m.port}`;
      await runYcsb({ phase: "load", propertyFiles: [WORKLOAD_A], properties: { recordcount: 100 }, targets, workers: 1 });
      const started = Date.now();
      const run = await runYcsb({ phase: "run", propertyFiles: [WORKLOAD_A], properties: { recordcount: 100, operationcount: 100_000_000, maxexecutiontime: 2, warmuptime: 1, threadcount: 2, target: 2000 }, targets, workers: 1 });
      const took = Date.now() - started;
      assert.ok(took < 6000, `stopped by the time bound, took ${took} ms`);
      assert.equal(run.stoppedEarly, true);
      assert.ok(run.runtimeMs >= 900 && run.runtimeMs <= 1500, `the measured window is the second after the warm-up, found ${run.runtimeMs} ms`);
      assert.equal(run.timeSeries[0].warmup, true);
      const all = run.timeSeries.reduce((n, p) => n + p.operations, 0);
      assert.ok(run.operations < all * 0.7, `warm-up operations (${all - run.operations}) are left out of the ${run.operations} measured`);
      assert.equal(run.measurements.READ.count + run.measurements.UPDATE.count, run.operations);
      assert.ok(run.throughput > 0 && run.throughput <= 2000 * 1.05, `the open loop never runs faster than its target of 2000 ops/s, found ${run.throughput}`);
    });
  });
});

test("a server killed in the middle of a run gives errors, not a hang, and the run ends at its time bound", async () => {
  const m = await startNativeMemcached();
  try {
    const targets = `${m.host}:${m.port}`;
    await runYcsb({ phase: "load", propertyFiles: [WORKLOAD_A], properties: { recordcount: 100 }, targets, workers: 1 });
    let killed = false;
    // Kill the server at the first progress report, a second into the run.
    const onProgress = () => {
      if (!killed) void m.stop();
      killed = true;
    };
    const started = Date.now();
    const run = await runYcsb({ phase: "run", propertyFiles: [WORKLOAD_A], properties: { recordcount: 100, operationcount: 100_000_000, maxexecutiontime: 3, threadcount: 4, "memcached.timeout": 500 }, targets, workers: 1, onProgress });
    assert.ok(killed);
    assert.ok(Date.now() - started < 7000, "the run ended near its 3 s bound");
    assert.ok((run.measurements.READ.statuses.OK ?? 0) > 0, "reads succeeded before the kill");
    assert.ok((run.measurements.READ.statuses.ERROR ?? 0) > 0, "reads failed with ERROR after the kill");
    assert.ok(run.measurements["READ-FAILED"].count > 0);
    assert.match(run.errors[0], /closed by the server|ECONNREFUSED|ECONNRESET|unreachable/);
    assert.equal(run.verification.corrupted, 0);
  } finally {
    await m.stop();
  }
});

test("aborting a run stops it early and still returns what was measured", async () => {
  await withMemcached(async (m) => {
    const targets = `${m.host}:${m.port}`;
    await runYcsb({ phase: "load", propertyFiles: [WORKLOAD_A], properties: { recordcount: 100 }, targets, workers: 2 });
    const abort = new AbortController();
    const progress: number[] = [];
    // Abort at the second progress report (once a second after the start).
    const onProgress = (p: { operations: number }) => {
      progress.push(p.operations);
      if (progress.length === 2) abort.abort();
    };
    const run = await runYcsb({ phase: "run", propertyFiles: [WORKLOAD_A], properties: { recordcount: 100, operationcount: 100_000_000, threadcount: 4 }, targets, workers: 2, signal: abort.signal, onProgress });
    assert.equal(run.stoppedEarly, true);
    assert.ok(run.runtimeMs >= 1900 && run.runtimeMs < 3000, `stopped soon after the abort at 2 s, ran ${run.runtimeMs} ms`);
    assert.ok(run.operations > 0 && run.operations >= progress[1], `${run.operations} operations, at least the ${progress[1]} reported`);
    assert.equal(run.workers, 2);
  });
});

/**
 * A real TCP server speaking enough of memcached (set, get) that answers one request at a time,
 * each after `delayMs`: a server slower than the offered load, so requests queue.
 */
async function startSlowServer(delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const store = new Map<string, Buffer>();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    const queue: (() => string | Buffer)[] = [];
    let busy = false;
    const serveNext = () => {
      const job = queue.shift();
      if (job === undefined) {
        busy = false;
        return;
      }
      busy = true;
      setTimeout(() => {
        if (!socket.destroyed) socket.write(job());
        serveNext();
      }, delayMs);
    };
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const eol = buffered.indexOf("\r\n");
        if (eol < 0) break;
        const [command, key, , , bytes] = buffered.toString("latin1", 0, eol).split(" ");
        if (command === "set") {
          const n = Number(bytes);
          if (buffered.length < eol + 2 + n + 2) break;
          const value = Buffer.from(buffered.subarray(eol + 2, eol + 2 + n));
          buffered = buffered.subarray(eol + 2 + n + 2);
          queue.push(() => {
            store.set(key, value);
            return "STORED\r\n";
          });
        } else {
          buffered = buffered.subarray(eol + 2);
          queue.push(() => {
            const v = store.get(key);
            return v === undefined ? "END\r\n" : Buffer.concat([Buffer.from(`VALUE ${key} 0 ${v.length}\r\n`), v, Buffer.from("\r\nEND\r\n")]);
          });
        }
      }
      if (!busy) serveNext();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test("open-loop latency is counted from the intended start, so it includes the time requests queue behind a slow server", async () => {
  const slow = await startSlowServer(20);
  try {
    const targets = `127.0.0.1:${slow.port}`;
    const props = { recordcount: 5, fieldcount: 1, fieldlength: 100, readproportion: 1, updateproportion: 0, requestdistribution: "uniform", threadcount: 1, "memcached.connections": 1 };
    await runYcsb({ phase: "load", propertyFiles: [WORKLOAD_A], properties: props, targets, workers: 1 });
    // The server does at most 50 ops/s; the client is asked for 100, so each request starts ~10 ms later than the one before.
    const run = await runYcsb({ phase: "run", propertyFiles: [WORKLOAD_A], properties: { ...props, operationcount: 40, target: 100 }, targets, workers: 1 });
    const served = run.measurements.READ;
    const intended = run.measurements["Intended-READ"];
    assert.equal(served.count, 40);
    assert.equal(intended.count, 40);
    assert.ok(served.p50 >= 19_000 && served.p50 < 60_000, `service time is about the server's 20 ms, found p50 ${served.p50} µs`);
    assert.ok(intended.max > 300_000, `the last request was intended ~390 ms before it finished, found max ${intended.max} µs`);
    assert.ok(intended.p50 > 4 * served.p50, `intended p50 ${intended.p50} µs includes the queueing; service p50 ${served.p50} µs does not`);
    assert.match(run.text, /^\[Intended-READ\], 99thPercentileLatency\(us\), \d+$/m);
  } finally {
    await slow.close();
  }
});

describe("the command line", () => {
  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  test("load and run print YCSB's text report and write the JSON result with histograms and the seed", async () => {
    await withMemcached(async (m) => {
      const dir = mkdtempSync(join(tmpdir(), "ycsb-ts-"));
      try {
        const target = `${m.host}:${m.port}`;
        const load = await cli(["load", "-P", WORKLOAD_A, "-p", "recordcount=100", "--target", target, "--seed", "5"]);
        assert.equal(load.code, 0, load.stderr);
        assert.match(load.stdout, /^\[INSERT\], Return=OK, 100$/m);
        const json = join(dir, "run.json");
        const run = await cli(["run", "-P", WORKLOAD_A, "-p", "recordcount=100", "-p", "operationcount=500", "-threads", "4", "--target", target, "--seed", "5", "--json", json, "--workers", "2"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^\[OVERALL\], Throughput\(ops\/sec\), /m);
        assert.match(run.stderr, /verification: \d+ reads verified, 0 corrupted, 0 missing/);
        const result = JSON.parse((await import("node:fs")).readFileSync(json, "utf8"));
        assert.equal(result.seed, "5");
        assert.equal(result.properties.operationcount, "500");
        assert.equal(typeof result.measurements.READ.histogram, "string");
        assert.ok(result.timeSeries.length >= 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test("reads of lost or corrupted records make the run exit with status 2", async () => {
    await withMemcached(async (m) => {
      const target = `${m.host}:${m.port}`;
      assert.equal((await cli(["load", "-P", WORKLOAD_A, "-p", "recordcount=20", "--target", target])).code, 0);
      const conn = new MemcachedConnection(m.host, m.port, { timeoutMs: 2000 });
      const [lost, corrupted] = loadedKeys(2);
      await new Promise<void>((resolve) => conn.delete(Buffer.from(lost), 0, lost.length, { onReply: () => resolve() }));
      const junk = Buffer.alloc(1000, 0x41);
      await new Promise<void>((resolve) => conn.store(Buffer.from("set"), Buffer.from(corrupted), 0, corrupted.length, junk, 0, junk.length, { onReply: () => resolve() }));
      await conn.close();
      const run = await cli(["run", "-P", WORKLOAD_A, "-p", "recordcount=20", "-p", "operationcount=20", "-p", "readproportion=1", "-p", "updateproportion=0", "-p", "requestdistribution=sequential", "--target", target, "--workers", "1"]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /verification: 18 reads verified, 1 corrupted, 1 missing after an acknowledged write/);
      assert.match(run.stdout, /^\[READ\], Return=NOT_FOUND, 1$/m);
      assert.match(run.stdout, /^\[READ\], Return=UNEXPECTED_STATE, 1$/m);
      assert.match(run.stdout, /^\[READ-FAILED\], Operations, 2$/m);
    });
  });

  test("bad input is refused with what was expected and where", async () => {
    const noTarget = await cli(["run", "-P", WORKLOAD_A]);
    assert.equal(noTarget.code, 1);
    assert.match(noTarget.stderr, /expected --target host:port \(or --cluster-table file.json\), found neither/);
    const badProperty = await cli(["run", "-P", WORKLOAD_A, "-p", "threadcount=many", "--target", "127.0.0.1:1"]);
    assert.equal(badProperty.code, 1);
    assert.match(badProperty.stderr, /-p threadcount=many: threadcount must be an integer/);
    const dir = mkdtempSync(join(tmpdir(), "ycsb-ts-"));
    try {
      const table = join(dir, "table.json");
      writeFileSync(table, JSON.stringify([{ role: "plain", group: 0, index: 0, host: "127.0.0.1", port: 0 }]));
      const badTable = await cli(["load", "-P", WORKLOAD_A, "--cluster-table", table]);
      assert.equal(badTable.code, 1);
      assert.match(badTable.stderr, /process table\[0\]\.port must be a port from 1 to 65535, found 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const unreachable = await cli(["load", "-P", WORKLOAD_A, "-p", "recordcount=10", "--target", "127.0.0.1:1"]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot connect to memcached at 127\.0\.0\.1:1/);
  });
});
