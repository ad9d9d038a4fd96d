/**
 * CPU time of every server process during a run: cumulative CPU seconds (/proc utime + stime,
 * read through the node executors) sampled at a fixed interval, and the CPU each process used
 * between the samples that bound the driver's measured window.
 */

/** Cumulative CPU seconds of each process (by process id) at one instant. */
export interface CpuSample {
  /** Epoch ms when the reading was taken. */
  atMs: number;
  cpuSeconds: Record<string, number>;
  /** The driver's own CPU (this Node process, every worker thread), seconds. */
  clientCpuSeconds: number;
}

/** CPU used over a window: per process, and by the load generator. */
export interface CpuWindow {
  fromMs: number;
  toMs: number;
  seconds: number;
  /** CPU seconds each process used in the window. */
  processes: Record<string, number>;
  clientCpuSeconds: number;
}

export type ReadCpu = () => Promise<Record<string, number>>;

/** Samples `read` every `intervalMs` until stop(); stop() resolves to every sample, in time order. */
export class CpuSampler {
  private readonly samples: CpuSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly read: ReadCpu,
    private readonly intervalMs: number,
  ) {}

  /** Takes a first sample, then one every interval (a reading still in flight is not overlapped). */
  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => {
      this.pending = this.pending.then(() => this.sample());
    }, this.intervalMs);
  }

  /** Stops, takes a last sample, and returns them all; throws if any reading failed (a process died). */
  async stop(): Promise<CpuSample[]> {
    clearInterval(this.timer);
    await this.pending;
    await this.sample();
    if (this.failure) throw this.failure;
    return this.samples;
  }

  private async sample(): Promise<void> {
    if (this.failure) return;
    try {
      const cpuSeconds = await this.read();
      const usage = process.cpuUsage();
      this.samples.push({ atMs: Date.now(), cpuSeconds, clientCpuSeconds: (usage.user + usage.system) / 1e6 });
    } catch (error) {
      this.failure = error as Error;
    }
  }
}

/**
 * The CPU used between the first sample at or after `fromMs` and the last sample at or before
 * `toMs` (the driver's measured window, warm-up excluded). Falls back to the first and last
 * samples when fewer than two fall inside (a run shorter than two sampling intervals).
 */
export function cpuOverWindow(samples: CpuSample[], fromMs: number, toMs: number): CpuWindow {
  if (samples.length < 2) throw new Error(`CPU over a window: expected at least 2 samples, found ${samples.length}`);
  const inside = samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  const [first, last] = inside.length >= 2 ? [inside[0], inside[inside.length - 1]] : [samples[0], samples[samples.length - 1]];
  const processes: Record<string, number> = {};
  for (const [id, end] of Object.entries(last.cpuSeconds)) {
    const start = first.cpuSeconds[id];
    if (start === undefined) throw new Error(`CPU over a window: process ${id} has no reading at ${new Date(first.atMs).toISOString()}`);
    processes[id] = Math.max(0, end - start);
  }
  return {
    fromMs: first.atMs,
    toMs: last.atMs,
    seconds: (last.atMs - first.atMs) / 1000,
    processes,
    clientCpuSeconds: last.clientCpuSeconds - first.clientCpuSeconds,
  };
}
