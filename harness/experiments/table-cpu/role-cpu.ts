/**
 * CPU per role, the arithmetic of the paper's Table 2: the CPU seconds every process of a role
 * used over a run's measured window, summed, as % of one CPU (Σ CPU s / window s × 100, the
 * paper's unit) and as CPU seconds per thousand operations (comparable across machine sizes
 * and across systems that ran at different throughputs).
 */
import type { RunRecord } from "../fig-throughput/measurement.ts";
import type { ReadRatio } from "../fig-throughput/plan.ts";

export interface RoleCpu {
  system: string;
  /** memcached, plain, primary, backup, data, parity; "client" is the load generator. */
  role: string;
  readRatio: ReadRatio;
  processes: number;
  cpuSeconds: number;
  windowSeconds: number;
  percentOfOneCpu: number;
  cpuSecondsPerKop: number;
  /** The run's throughput, ops/s. */
  throughput: number;
}

/** Native memcached's processes are placed as plain mode's; in the table they are the paper's "Memcached". */
export function roleName(system: string, role: string): string {
  return system === "memcached" ? "memcached" : role;
}

/** The paper's order of roles within a system. */
export const roleOrder = ["memcached", "plain", "primary", "backup", "data", "parity", "client"];

/** One row per (system, role) of each closed-loop run, plus the load generator's own CPU as role "client". */
export function roleCpu(runs: RunRecord[]): RoleCpu[] {
  const rows: RoleCpu[] = [];
  for (const run of runs.filter((r) => r.loop === "closed")) {
    const byRole = new Map<string, { processes: number; cpuSeconds: number }>();
    for (const p of run.cpu.processes) {
      const role = roleName(run.system, p.role);
      const entry = byRole.get(role) ?? { processes: 0, cpuSeconds: 0 };
      entry.processes++;
      entry.cpuSeconds += p.cpuSeconds;
      byRole.set(role, entry);
    }
    byRole.set("client", { processes: 1, cpuSeconds: run.cpu.clientCpuSeconds });
    const roles = [...byRole.keys()].sort((a, b) => roleOrder.indexOf(a) - roleOrder.indexOf(b));
    for (const role of roles) {
      const { processes, cpuSeconds } = byRole.get(role)!;
      const operations = run.throughput * run.cpu.seconds;
      rows.push({
        system: run.variant,
        role,
        readRatio: run.readRatio,
        processes,
        cpuSeconds,
        windowSeconds: run.cpu.seconds,
        percentOfOneCpu: run.cpu.seconds > 0 ? (100 * cpuSeconds) / run.cpu.seconds : NaN,
        cpuSecondsPerKop: operations > 0 ? (1000 * cpuSeconds) / operations : NaN,
        throughput: run.throughput,
      });
    }
  }
  return rows;
}

/** Σ over the server roles of a system (the load generator left out) at one read ratio. */
export function serverTotal(rows: RoleCpu[], system: string, ratio: ReadRatio, field: "percentOfOneCpu" | "cpuSecondsPerKop"): number | undefined {
  const own = rows.filter((r) => r.system === system && r.readRatio === ratio && r.role !== "client");
  return own.length === 0 ? undefined : own.reduce((sum, r) => sum + r[field], 0);
}

export function findRole(rows: RoleCpu[], system: string, role: string, ratio: ReadRatio): RoleCpu | undefined {
  return rows.find((r) => r.system === system && r.role === role && r.readRatio === ratio);
}
