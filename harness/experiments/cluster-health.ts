/**
 * Whether a replicated cluster is still whole: every pbr member sees its whole group, every
 * cocytus data process still sends its updates to every parity process of its group. A link
 * that a failure detector closed (a member killed, or one that missed heartbeats for longer
 * than the timeout on a busy machine) is not re-established, so the group goes on protecting
 * less than it should, and a memory figure read from it counts less than the scheme stores.
 */
import type { ProcessInfo } from "../deploy/types.ts";
import { numericStat, type ServerStats } from "./server-stats.ts";

/**
 * For experiments that kill nothing: a member that misses heartbeats for a while (25-45
 * processes starting at once on two cores, a closed-loop load, or a compile beside the run) must
 * not count as failed, since that leaves its group protected by less for the rest of the run.
 * 5 s instead of the defaults (pbr 1 s, cocytus 3 s).
 */
export const TOLERANT_FAILURE_DETECTION: readonly string[] = ["--failure-timeout-ms", "5000"];

/** One line per process that lost members, naming what it lost; empty when the cluster is whole. */
export function lostMembers(processes: ProcessInfo[], stats: Map<string, ServerStats>): string[] {
  const inGroup = (p: ProcessInfo, roles: string[]) => processes.filter((q) => q.group === p.group && roles.includes(q.role)).length;
  const lost: string[] = [];
  for (const p of processes) {
    const s = stats.get(p.id);
    if (!s) continue;
    if (p.role === "data") {
      const live = numericStat(s, "cocytus_parity_live");
      const expected = inGroup(p, ["parity"]);
      if (live !== undefined && live < expected) lost.push(`${p.id} sends to ${live} of its ${expected} parity processes`);
    } else if (p.role === "primary" || p.role === "backup") {
      const live = numericStat(s, "pbr_live_members");
      const expected = inGroup(p, ["primary", "backup"]);
      if (live !== undefined && live < expected) lost.push(`${p.id} sees ${live} of its group's ${expected} members`);
    }
  }
  return lost;
}

/**
 * Throws when the cluster lost members: a figure read from it would count a degraded scheme.
 * `consequence` says what that means for the caller's measurement and where its data was kept.
 */
export function throwIfLostMembers(processes: ProcessInfo[], stats: Map<string, ServerStats>, consequence: string): void {
  const lost = lostMembers(processes, stats);
  if (lost.length === 0) return;
  throw new Error(`the cluster lost members, ${consequence}: ${lost.join("; ")}. A failure detector timed out: was something else using the machine?`);
}
