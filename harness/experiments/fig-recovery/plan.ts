/**
 * What a fault run drives (fig-recovery and fig-blocked): the records loaded, the closed-loop run
 * phase, and when which node is killed. --fast fits this 2-core machine in a few minutes;
 * --paper is the paper's scale (12 GB of data per node), refused where RAM cannot hold it.
 */
import { totalmem } from "node:os";
import type { Profile } from "../types.ts";

/** A node killed (every process on it, SIGKILL through `harness kill node N`) at a second of the run. */
export interface PlannedKill {
  /** Seconds after the driver's time zero (warm-up included). */
  atSeconds: number;
  /** The process table's node column (0-based). */
  node: number;
}

export interface FaultTimeline {
  /** Seconds at the start left out of the overall statistics and the window before the first kill (the driver and servers ramp up: JIT, connections); still in the time series. */
  warmupSeconds: number;
  /** Length of the whole run phase, warm-up included. */
  runSeconds: number;
  kills: PlannedKill[];
  /** YCSB clients (threadcount), closed loop, and the driver threads they run on. */
  threadCount: number;
  workers: number;
  /** Connections per worker to the proxy (requests of many clients are pipelined over them). */
  connections: number;
}

export interface FaultPlan extends FaultTimeline {
  records: number;
}

/** The paper's data per node (slides: "12GB data/node") and its five server nodes. */
export const paperBytesPerNode = 12 * 2 ** 30;
export const paperNodes = 5;
const valueBytes = 1024;

/** fig-recovery: a node killed, then a second (R:W 95:5, 1 KB values). */
export const recoveryPlans: Record<Profile, FaultPlan> = {
  fast: { records: 100_000, warmupSeconds: 5, runSeconds: 50, kills: [{ atSeconds: 10, node: 0 }, { atSeconds: 30, node: 1 }], threadCount: 32, workers: 2, connections: 4 },
  // The paper's client ran YCSB with 80 threads.
  paper: { records: Math.round((paperBytesPerNode * paperNodes) / valueBytes), warmupSeconds: 10, runSeconds: 360, kills: [{ atSeconds: 60, node: 0 }, { atSeconds: 210, node: 1 }], threadCount: 80, workers: 2, connections: 8 },
};

/** fig-blocked: one node killed, online against blocked recovery. */
export const blockedPlans: Record<Profile, FaultPlan> = {
  fast: { records: 60_000, warmupSeconds: 5, runSeconds: 30, kills: [{ atSeconds: 10, node: 0 }], threadCount: 32, workers: 2, connections: 4 },
  paper: { records: Math.round((paperBytesPerNode * paperNodes) / valueBytes), warmupSeconds: 10, runSeconds: 240, kills: [{ atSeconds: 60, node: 0 }], threadCount: 80, workers: 2, connections: 8 },
};

/** The plan with --records applied. */
export function resolvePlan(plan: FaultPlan, records: number | undefined): FaultPlan {
  return records === undefined ? plan : { ...plan, records };
}

/** RSS per value byte of the hungriest system measured (pbr: three copies; DESIGN §12 measured 3.55 at 1 KB). */
const worstBytesPerValueByte = 3.6;

/** Undefined when the machine's RAM can hold the load; else what is lacking (for preflight). */
export function memoryShortfall(records: number, ramBytes = totalmem()): string | undefined {
  const needed = records * valueBytes * worstBytesPerValueByte;
  if (needed <= ramBytes * 0.8) return undefined;
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);
  return `~${gib(needed)} GiB of RAM to load ${records} records of 1 KB (${gib(records * valueBytes)} GiB of values, pbr keeps ~${worstBytesPerValueByte}× that); this machine has ${gib(ramBytes)} GiB: pass --records N to scale the load down`;
}

/** Checks a timeline: kills inside the run, after the warm-up, in order. Throws naming the bad field. */
export function checkTimeline(timeline: FaultTimeline): void {
  let previous = timeline.warmupSeconds;
  timeline.kills.forEach((kill, i) => {
    if (!(kill.atSeconds > previous && kill.atSeconds < timeline.runSeconds)) {
      throw new Error(`fault plan: kills[${i}].atSeconds must be after ${previous} s (the warm-up or the previous kill) and before the end of the run at ${timeline.runSeconds} s, found ${kill.atSeconds}`);
    }
    previous = kill.atSeconds;
  });
}
