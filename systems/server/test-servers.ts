/** Starts our server as a child process, as the harness deploys it, for tests and benchmarks. */

import { before, after } from "node:test";
import { fileURLToPath } from "node:url";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import { freePort } from "../../test/support/ports.ts";
import { startListening, type RunningProcess } from "../../test/support/process.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** `node --import tsx systems/server/main.ts --mode plain ...` on a free loopback port. */
export async function startPlainProcess(extraArgs: string[] = [], nodeArgs: string[] = []): Promise<RunningProcess> {
  const host = "127.0.0.1";
  const port = await freePort(host);
  const args = [...nodeArgs, "--import", "tsx", MAIN, "--mode", "plain", "--host", host, "--port", String(port), ...extraArgs];
  return startListening(process.execPath, args, host, port);
}

/** The `stats` reply of a memcached-protocol server, as a name -> value map. */
export async function readStats(host: string, port: number): Promise<Map<string, string>> {
  const { rawExchange } = await import("../../test/support/raw-client.ts");
  const { received } = await rawExchange(host, port, [{ send: "stats\r\n" }], { pauseMs: 0 });
  const stats = new Map<string, string>();
  for (const line of received.toString("latin1").split("\r\n")) {
    const [word, name, ...value] = line.split(" ");
    if (word === "STAT") stats.set(name, value.join(" "));
  }
  return stats;
}

/** The two servers of a differential test. */
export interface OracleAndPlain {
  native: RunningProcess;
  ours: RunningProcess;
}

/**
 * Registers before/after hooks that start native memcached (the oracle; -B ascii because we speak
 * only the text protocol) and our plain server side by side, and stop both. `skip` is a reason to
 * skip when memcached is not installed; `servers` is filled once the hooks ran.
 */
export function useOracleAndPlain(): { skip: string | false; servers: OracleAndPlain } {
  const skip = hasNativeMemcached() ? false : "native memcached is not installed (apt-get install memcached)";
  const servers = {} as OracleAndPlain;
  before(async () => {
    if (skip) return;
    [servers.native, servers.ours] = await Promise.all([startNativeMemcached({ extraArgs: ["-B", "ascii"] }), startPlainProcess()]);
  });
  after(async () => {
    await Promise.all([servers.native?.stop(), servers.ours?.stop()]);
  });
  return { skip, servers };
}
