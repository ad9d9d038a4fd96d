/**
 * One server process on loopback for benchmarks: our plain server or native memcached, started
 * as a child of the bench, its RSS read from /proc, stopped (SIGTERM, then SIGKILL) on stop().
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { SERVER_NODE_FLAGS } from "../../systems/server/node-flags.ts";
import { parseProcStats } from "../cluster/proc-stats.ts";
import { readServerStats } from "../experiments/server-stats.ts";

export interface LocalServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** A port the kernel says is free on `host` (bind to 0, read it, close). */
export async function freeLocalPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not get a free port on ${host}`))));
    });
  });
}

/** Our plain server through the entry of the contract, bundled (dist/server.mjs) as deployments run it. */
export function plainServerArgv(bundlePath: string, host: string, port: number, memoryMb: number): string[] {
  return [process.execPath, ...SERVER_NODE_FLAGS, bundlePath, "--mode", "plain", "--host", host, "--port", String(port), "--memory", String(memoryMb)];
}

/** Native memcached as one process with one worker thread, like one of ours. */
export function memcachedArgv(host: string, port: number, memoryMb: number): string[] {
  return ["memcached", "-u", "root", "-l", host, "-p", String(port), "-U", "0", "-m", String(memoryMb), "-t", "1", "-c", "4096"];
}

/** Starts argv and waits until `stats` answers on host:port (or rejects with the process's stderr). */
export async function startLocalServer(name: string, argv: string[], host: string, port: number, timeoutMs = 20_000): Promise<LocalServer> {
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < 8000) stderr += chunk.toString();
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.off("exit", killOnExit);
      throw new Error(`${name} (${argv.join(" ")}) exited with ${child.exitCode ?? child.signalCode} before answering stats on ${host}:${port}\n${stderr.trim()}`);
    }
    try {
      await readServerStats(host, port, 1000);
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${name} (${argv.join(" ")}) did not answer stats on ${host}:${port} within ${timeoutMs} ms\n${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const pid = child.pid as number;
  return {
    name,
    host,
    port,
    pid,
    async rssBytes() {
      const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8").catch(() => ""), readFile(`/proc/${pid}/status`, "utf8").catch(() => "")]);
      const proc = parseProcStats(pid, stat, status);
      if (!proc.alive) throw new Error(`${name} (pid ${pid}) is not running\n${stderr.trim()}`);
      return proc.rssBytes;
    },
    stop,
  };
}
