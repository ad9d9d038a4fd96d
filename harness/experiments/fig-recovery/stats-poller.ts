/**
 * `stats` of every process once a second during a fault run, keeping the recovery and failover
 * fields. A server keeps only its latest recovery's numbers, so a run with two failures needs the
 * readings in between. A process that does not answer (killed) is skipped, not an error.
 */
import type { ProcessInfo } from "../../deploy/types.ts";
import { readServerStats, type ServerStats } from "../server-stats.ts";

/** One process's kept stats at one instant. */
export interface StatsReading {
  /** Epoch ms when the reply arrived. */
  t: number;
  id: string;
  role: ProcessInfo["role"];
  group: number;
  index: number;
  stats: ServerStats;
}

/** The stats fields a fault run keeps (cocytus recovery, pbr failover). */
const kept = /^(recovery_|prep_block_ms$|preparations$|pages_repaired$|repair_|requests_waited_on_repair$|cocytus_hosted_|pbr_|curr_items$)/;

export function keptStats(stats: ServerStats): ServerStats {
  return Object.fromEntries(Object.entries(stats).filter(([name]) => kept.test(name)));
}

export class StatsPoller {
  private readonly readings: StatsReading[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  private ticks = 0;

  constructor(
    private readonly processes: readonly ProcessInfo[],
    private readonly intervalMs = 1000,
    /** Bounds a poller nobody stopped (one hour at 1 s). */
    private readonly maxTicks = 3600,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (++this.ticks > this.maxTicks) return clearInterval(this.timer);
      // A reading still in flight is not overlapped.
      this.pending = this.pending.then(() => this.poll());
    }, this.intervalMs);
  }

  /** Stops, takes a last reading of every process still answering, returns all in time order. */
  async stop(): Promise<StatsReading[]> {
    clearInterval(this.timer);
    await this.pending;
    await this.poll();
    return this.readings;
  }

  private async poll(): Promise<void> {
    const replies = await Promise.allSettled(this.processes.map((p) => readServerStats(p.host, p.port, Math.min(2000, this.intervalMs * 2))));
    replies.forEach((reply, i) => {
      if (reply.status !== "fulfilled") return;
      const p = this.processes[i];
      this.readings.push({ t: Date.now(), id: p.id, role: p.role, group: p.group, index: p.index, stats: keptStats(reply.value) });
    });
  }
}
