import { execFileSync } from "node:child_process";
import { freePort } from "./ports.ts";
import { startListening, type RunningProcess } from "./process.ts";

/** True when Debian's memcached binary is installed (the protocol oracle). */
export function hasNativeMemcached(): boolean {
  try {
    execFileSync("memcached", ["-h"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts native memcached on a free loopback port, as the oracle for protocol tests.
 * `-u root` because it refuses to run as root otherwise; `-t 1` to compare with one process of ours.
 */
export async function startNativeMemcached(options: { memoryMb?: number; threads?: number; extraArgs?: string[] } = {}): Promise<RunningProcess> {
  const host = "127.0.0.1";
  const port = await freePort(host);
  const args = ["-u", "root", "-l", host, "-p", String(port), "-U", "0", "-m", String(options.memoryMb ?? 64), "-t", String(options.threads ?? 1), ...(options.extraArgs ?? [])];
  return startListening("memcached", args, host, port);
}
