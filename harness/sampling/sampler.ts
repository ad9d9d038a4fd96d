import { createWriteStream, readFileSync, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Executor } from "../cluster/types.ts";
import type { ProcessInfo } from "../deploy/types.ts";

/** One line of the samples file: one process at one tick. */
export interface ProcessSample {
  /** Wall-clock time of the tick, ms since the epoch. */
  t: number;
  /** ms since sampling started. */
  elapsedMs: number;
  id: string;
  node: number;
  role: ProcessInfo["role"];
  group: number;
  pid: number;
  alive: boolean;
  rssBytes: number;
  /** User + system CPU time since the process started, seconds. */
  cpuSeconds: number;
}

export interface SamplingOptions {
  /** One executor per node, in node order (a DeploymentHandle's `executors`). */
  executors: readonly Executor[];
  processes: readonly ProcessInfo[];
  /** The JSON-lines file to write (created, with its folder). */
  path: string;
  /** Default 1000 ms. */
  intervalMs?: number;
  /** Stop on its own after this many ticks (bounds a forgotten sampler; default one day at 1 s). */
  maxTicks?: number;
}

export interface Sampler {
  readonly path: string;
  /** Stops after the tick in progress, flushes the file, and says how many ticks and failed reads there were. */
  stop(): Promise<{ ticks: number; errors: string[] }>;
}

/**
 * Samples every process's RSS and CPU time from /proc through its node's executor, once per
 * interval, into a JSON-lines file an experiment can read while or after it runs.
 * A tick never overlaps the previous one; a node that cannot be read is noted and skipped.
 */
export async function startSampling(options: SamplingOptions): Promise<Sampler> {
  const intervalMs = options.intervalMs ?? 1000;
  const maxTicks = options.maxTicks ?? 86_400;
  await mkdir(dirname(options.path), { recursive: true });
  const out: WriteStream = createWriteStream(options.path, { flags: "w" });
  const byNode = new Map<number, ProcessInfo[]>();
  for (const p of options.processes) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  const began = Date.now();
  const errors: string[] = [];
  let ticks = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = async () => {
    const t = Date.now();
    await Promise.all(
      [...byNode].map(async ([node, list]) => {
        try {
          const stats = await options.executors[node].readProc(list.map((p) => p.pid));
          const lines = list.map((p, i) => JSON.stringify({ t, elapsedMs: t - began, id: p.id, node: p.node, role: p.role, group: p.group, pid: p.pid, alive: stats[i].alive, rssBytes: stats[i].rssBytes, cpuSeconds: stats[i].cpuSeconds } satisfies ProcessSample));
          out.write(`${lines.join("\n")}\n`);
        } catch (error) {
          if (errors.length < 100) errors.push(`${new Date(t).toISOString()} ${(error as Error).message}`);
        }
      }),
    );
    ticks++;
  };
  const schedule = () => {
    if (stopped || ticks >= maxTicks) return;
    // Aim at the next multiple of the interval since the start, so ticks do not drift.
    const delay = Math.max(0, began + (ticks + 1) * intervalMs - Date.now());
    timer = setTimeout(() => {
      current = tick().then(schedule);
    }, delay);
  };
  current = tick().then(schedule);

  return {
    path: options.path,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      return { ticks, errors };
    },
  };
}

/** Reads a samples file back (e.g. to compute RSS growth or CPU per role). */
export function readSamples(path: string): ProcessSample[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ProcessSample);
}

/**
 * CPU use of each process between two moments (ms since sampling started), in % of one CPU:
 * the growth of its CPU time between the first and last sample inside [fromMs, toMs].
 */
export function cpuPercent(samples: readonly ProcessSample[], fromMs: number, toMs: number): Map<string, number> {
  const first = new Map<string, ProcessSample>();
  const last = new Map<string, ProcessSample>();
  for (const s of samples) {
    if (s.elapsedMs < fromMs || s.elapsedMs > toMs || !s.alive) continue;
    if (!first.has(s.id)) first.set(s.id, s);
    last.set(s.id, s);
  }
  const percent = new Map<string, number>();
  for (const [id, a] of first) {
    const b = last.get(id)!;
    const wall = (b.elapsedMs - a.elapsedMs) / 1000;
    if (wall > 0) percent.set(id, (100 * (b.cpuSeconds - a.cpuSeconds)) / wall);
  }
  return percent;
}
