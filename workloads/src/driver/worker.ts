import type { RoutingShape } from "../../../systems/routing/router.ts";
import type { Status } from "../binding/status.ts";
import { emptyBindingStats, MemcachedDB, type BindingStats } from "../binding/memcached-db.ts";
import { MemcachedPool } from "../binding/memcached-pool.ts";
import { targetsFromEndpoints, targetsFromProcessTable, type Endpoint, type Targets } from "../binding/targets.ts";
import { ValueVerifier, emptyVerificationCounts, type VerificationCounts } from "../binding/verifier.ts";
import { watchGarbageCollections, type GcTotals } from "../measurements/gc.ts";
import { Measurements, type MeasurementSnapshot } from "../measurements/measurements.ts";
import { IntervalRecorder, type IntervalSnapshot } from "../measurements/time-series.ts";
import { SplittableRandom } from "../random/splittable-random.ts";
import { CoreWorkload, newTransactionPlan, type TransactionPlan } from "../workload/core-workload.ts";
import { Properties } from "../workload/properties.ts";
import { operationsOfClient, type DriverConfig } from "./config.ts";
import { Pacer } from "./pacer.ts";

/** Where requests go, in a form that crosses to worker threads: a server list or a process table. */
export interface TargetSpec {
  endpoints?: Endpoint[];
  /** The harness's process table (rows with role, group, index, host, port). */
  processTable?: unknown;
  /** Routing shape; with endpoints it must cover them, with a table it overrides what the table implies. */
  shape?: Partial<RoutingShape>;
}

export function buildTargets(spec: TargetSpec): Targets {
  if (spec.processTable !== undefined) return targetsFromProcessTable(spec.processTable, spec.shape);
  if (spec.endpoints === undefined || spec.endpoints.length === 0) throw new Error("targets: expected a server list or a process table, found neither");
  const shape = spec.shape;
  if (shape === undefined || shape.mode === undefined) return targetsFromEndpoints(spec.endpoints);
  return targetsFromEndpoints(spec.endpoints, { mode: shape.mode, groups: shape.groups ?? spec.endpoints.length, k: shape.k });
}

/** What one worker runs. */
export interface WorkerSpec {
  phase: DriverConfig["phase"];
  worker: number;
  /** The resolved properties (the run's, with this worker's load slice applied). */
  properties: Record<string, string>;
  /** This worker's SplittableRandom seed (decimal Java long). */
  seed: string;
  /** The global client numbers [first, end) this worker runs, out of config.threadCount. */
  clients: { first: number; end: number };
  /** Operations of the whole run (split over all clients as YCSB splits them); 0 = until the time bound. */
  totalOperations: number;
  targets: TargetSpec;
  config: DriverConfig;
}

export interface WorkerResult {
  worker: number;
  seed: string;
  measurements: MeasurementSnapshot[];
  /** Operations completed (YCSB's opsDone), and those after the warm-up. */
  operations: number;
  measuredOperations: number;
  /** When the clients started and when the last one finished (epoch ms). */
  startedMs: number;
  endedMs: number;
  verification: VerificationCounts;
  binding: BindingStats;
  gc: GcTotals;
}

/** How a worker talks to the run: in the same thread, or over a worker_threads port. */
export interface WorkerChannel {
  /** Connections are open; the worker waits for `start`. */
  ready(): void;
  /** Resolves with the shared origin (epoch ms) at which every worker starts, or null when the run stopped first. */
  start: Promise<number | null>;
  interval(snapshot: IntervalSnapshot): void;
  /** Registers what to do when the run is asked to stop early. */
  onStop(stop: () => void): void;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

const FAILED: Record<string, string> = {};
function failedName(op: string): string {
  return (FAILED[op] ??= `${op}-FAILED`);
}

/** State shared by the clients of one worker. */
class WorkerState {
  stopping = false;
  measuredOperations = 0;
  operations = 0;
  readonly pacer = new Pacer();

  constructor(
    readonly phase: DriverConfig["phase"],
    readonly config: DriverConfig,
    readonly workload: CoreWorkload,
    readonly measurements: Measurements,
    readonly series: IntervalRecorder,
    readonly random: SplittableRandom,
  ) {}

  stop(): void {
    this.stopping = true;
    this.pacer.releaseAll();
  }

  /** YCSB's DBWrapper.measure: latency under the operation's name, or <OP>-FAILED when not OK. */
  measure(op: string, status: Status, intendedStart: number, start: number, end: number): void {
    const name = status === "OK" ? op : failedName(op);
    const endMs = performance.timeOrigin + end;
    this.measurements.measure(name, Math.trunc((end - start) * 1000), endMs);
    this.measurements.measureIntended(name, Math.trunc((end - intendedStart) * 1000), endMs);
  }

  measureAndReport(op: string, status: Status, intendedStart: number, start: number, end: number): void {
    this.measure(op, status, intendedStart, start, end);
    this.measurements.reportStatus(op, status);
  }
}

/** One logical client (YCSB's ClientThread): one operation in flight, closed loop or paced to a rate. */
class Client {
  private opsDone = 0;
  private readonly plan: TransactionPlan = newTransactionPlan();

  constructor(
    private readonly w: WorkerState,
    private readonly db: MemcachedDB,
    private readonly opCount: number,
    /** Time between intended starts, ms; 0 = closed loop. */
    private readonly tickMs: number,
    /** Delay of this client's first intended start, ms, spreading clients over one tick. */
    private readonly offsetMs: number,
  ) {}

  async run(): Promise<void> {
    const w = this.w;
    const paced = this.tickMs > 0;
    const start = performance.now() + this.offsetMs;
    if (paced && this.offsetMs > 0) await w.pacer.waitUntil(start);
    while ((this.opCount === 0 || this.opsDone < this.opCount) && !w.stopping) {
      const intended = paced ? start + this.opsDone * this.tickMs : -1;
      const ok = w.phase === "load" ? await this.doInsert(intended) : await this.doTransaction(intended);
      if (!ok) break;
      this.opsDone++;
      w.operations++;
      const end = performance.now();
      w.series.countOperation(performance.timeOrigin + end);
      if (w.measurements.recording) w.measuredOperations++;
      if (paced) {
        const next = start + this.opsDone * this.tickMs;
        if (next > end && !w.stopping) await w.pacer.waitUntil(next);
      }
    }
    const st = performance.now();
    await this.db.cleanup();
    w.measure("CLEANUP", "OK", st, st, performance.now());
  }

  /** YCSB's CoreWorkload.doInsert with its retries; false ends the client, as in YCSB's load. */
  private async doInsert(intended: number): Promise<boolean> {
    const w = this.w;
    const workload = w.workload;
    const key = workload.buildKeyName(workload.nextLoadKeynum());
    const length = workload.nextRecordLength();
    for (let retries = 0; ; retries++) {
      const st = performance.now();
      const status = await this.db.insert(workload.table, key, length);
      w.measureAndReport("INSERT", status, intended < 0 ? st : intended, st, performance.now());
      if (status === "OK") return true;
      if (retries >= w.config.insertionRetryLimit || w.stopping) return false;
      const sleepMs = 1000 * w.config.insertionRetryIntervalS * (0.8 + 0.4 * w.random.nextDouble());
      await new Promise((r) => setTimeout(r, sleepMs));
    }
  }

  /** YCSB's CoreWorkload.doTransaction: the workload chooses, the binding does the I/O. */
  private async doTransaction(intended: number): Promise<boolean> {
    const w = this.w;
    const workload = w.workload;
    const plan = workload.nextTransaction(this.plan);
    const table = workload.table;
    const st = performance.now();
    const ist = intended < 0 ? st : intended;
    switch (plan.operation) {
      case "READ": {
        const key = workload.buildKeyName(plan.keynum);
        const status = await this.db.read(table, key, null, null);
        w.measureAndReport("READ", status, ist, st, performance.now());
        break;
      }
      case "UPDATE": {
        const key = workload.buildKeyName(plan.keynum);
        const status = await this.db.update(table, key, plan.valueLength);
        w.measureAndReport("UPDATE", status, ist, st, performance.now());
        break;
      }
      case "INSERT": {
        const key = workload.buildKeyName(plan.keynum);
        try {
          const status = await this.db.insert(table, key, plan.valueLength);
          w.measureAndReport("INSERT", status, ist, st, performance.now());
        } finally {
          workload.acknowledgeInsert(plan.keynum);
        }
        break;
      }
      case "SCAN": {
        const key = workload.buildKeyName(plan.keynum);
        const status = await this.db.scan(table, key, plan.scanLength, null, null);
        w.measureAndReport("SCAN", status, ist, st, performance.now());
        break;
      }
      case "READMODIFYWRITE": {
        const key = workload.buildKeyName(plan.keynum);
        const read = await this.db.read(table, key, null, null);
        const readEnd = performance.now();
        w.measureAndReport("READ", read, ist, st, readEnd);
        const update = await this.db.update(table, key, plan.valueLength);
        const en = performance.now();
        w.measureAndReport("UPDATE", update, ist, readEnd, en);
        const endMs = performance.timeOrigin + en;
        w.measurements.measure("READ-MODIFY-WRITE", Math.trunc((en - st) * 1000), endMs);
        w.measurements.measureIntended("READ-MODIFY-WRITE", Math.trunc((en - ist) * 1000), endMs);
        break;
      }
    }
    return true;
  }
}

/**
 * Runs one worker's clients to the end: opens its connections, waits for the shared start, runs
 * until every client has done its operations or the time bound (or a stop) ends the run, and
 * returns its measurements for merging.
 */
export async function runWorker(spec: WorkerSpec, channel: WorkerChannel): Promise<WorkerResult> {
  const { config } = spec;
  const props = new Properties();
  for (const [name, value] of Object.entries(spec.properties)) props.set(name, value, "resolved properties");
  const random = new SplittableRandom(BigInt(spec.seed));
  const workload = new CoreWorkload(props, random);
  const pool = new MemcachedPool(buildTargets(spec.targets), { connectionsPerServer: config.connectionsPerServer, timeoutMs: config.timeoutMs });
  const stopGc = watchGarbageCollections();
  const timers: NodeJS.Timeout[] = [];
  let stopRequested = false;
  let running: WorkerState | null = null;
  channel.onStop(() => {
    stopRequested = true;
    running?.stop();
  });
  try {
    await pool.open();
    channel.ready();
    const origin = await channel.start;
    if (origin === null) {
      const now = epochNow();
      return { worker: spec.worker, seed: spec.seed, measurements: [], operations: 0, measuredOperations: 0, startedMs: now, endedMs: now, verification: emptyVerificationCounts(), binding: emptyBindingStats(), gc: stopGc() };
    }

    const series = new IntervalRecorder(origin, (s) => channel.interval(s));
    const measurements = new Measurements(config.measurementInterval, series);
    const state = new WorkerState(spec.phase, config, workload, measurements, series, random);
    running = state;
    if (stopRequested) state.stop();
    const verifier = config.verify ? new ValueVerifier(spec.phase === "run" && config.expectLoaded) : null;
    const binding = emptyBindingStats();
    let sequence = 0;
    const versionBase = (spec.worker & 0xff) << 24;
    const nextVersion = (): number => (versionBase | (++sequence & 0xffffff)) >>> 0;

    const at = (epochMs: number, f: () => void) => timers.push(setTimeout(f, Math.max(0, epochMs - epochNow())));
    const warmupMs = config.warmupS * 1000;
    if (warmupMs > 0) {
      measurements.recording = false;
      at(origin + warmupMs, () => (measurements.recording = true));
    }
    at(origin + config.maxExecutionTimeS * 1000, () => state.stop());
    const tick = setInterval(() => series.advance(epochNow()), 1000);
    timers.push(tick);

    const clientCount = spec.clients.end - spec.clients.first;
    const tickMs = config.target > 0 ? (1000 * config.threadCount) / config.target : 0;
    const clients: Client[] = [];
    for (let i = 0; i < clientCount; i++) {
      const c = spec.clients.first + i;
      const db = new MemcachedDB(pool, { insertCommand: config.insertCommand, updateCommand: config.updateCommand, verifier, nextVersion, stats: binding });
      await db.init();
      const offsetMs = tickMs > 0 ? (tickMs * c) / config.threadCount : 0;
      clients.push(new Client(state, db, operationsOfClient(spec.totalOperations, config.threadCount, c), tickMs, offsetMs));
    }

    await new Promise((r) => setTimeout(r, Math.max(0, origin - epochNow())));
    const startedMs = epochNow();
    const outcomes = await Promise.allSettled(
      clients.map((c) =>
        c.run().catch((error: unknown) => {
          state.stop();
          throw error;
        }),
      ),
    );
    const endedMs = epochNow();
    const failure = outcomes.find((o) => o.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
    series.finish();
    return {
      worker: spec.worker,
      seed: spec.seed,
      measurements: measurements.snapshot(),
      operations: state.operations,
      measuredOperations: state.measuredOperations,
      startedMs,
      endedMs,
      verification: verifier?.counts ?? emptyVerificationCounts(),
      binding,
      gc: stopGc(),
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    stopGc();
    await pool.close();
  }
}
