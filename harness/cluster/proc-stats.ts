import { readFileSync } from "node:fs";
import type { ProcStats } from "./types.ts";

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every Linux architecture we run on). */
export const clockTicksPerSecond = 100;

/**
 * Stats of one process from the text of /proc/PID/stat and /proc/PID/status
 * (empty strings when the process is gone). A zombie counts as not alive.
 */
export function parseProcStats(pid: number, statText: string, statusText: string): ProcStats {
  // comm (field 2) is in parentheses and may hold spaces; the fields after the last ")" are fixed.
  const close = statText.lastIndexOf(")");
  if (close < 0) return { pid, alive: false, rssBytes: 0, cpuSeconds: 0 };
  const fields = statText.slice(close + 2).trim().split(/\s+/);
  const state = fields[0];
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssMatch = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return {
    pid,
    alive: state !== "Z" && state !== "X",
    rssBytes: rssMatch ? Number(rssMatch[1]) * 1024 : 0,
    cpuSeconds: (utime + stime) / clockTicksPerSecond,
  };
}

/** Whether a process of this machine is running (a zombie is not: it waits only for a parent, maybe an init that never reaps). */
export function isRunning(pid: number): boolean {
  try {
    return parseProcStats(pid, readFileSync(`/proc/${pid}/stat`, "utf8"), "").alive;
  } catch {
    return false;
  }
}
