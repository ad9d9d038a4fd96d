/**
 * Starts a group of server processes (pbr or cocytus members) through the shared server entry
 * (`node --import tsx systems/server/main.ts …`), each on free loopback ports, for end-to-end
 * tests and benchmarks. stop() kills them all (also when this process exits): nothing is left.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePorts } from "./ports.ts";
import { waitForPort } from "./process.ts";

export interface GroupProcess {
  index: number;
  host: string;
  /** Client port. */
  port: number;
  peerPort: number;
  child: ChildProcess;
}

export interface ProcessGroup {
  members: GroupProcess[];
  /** `host:peerPort` of every member in index order, comma-separated (the --peers value). */
  peers: string;
  /** What the members wrote on stderr, each line prefixed with [index]. */
  logs(): string;
  /** Kills one member with SIGKILL (a crash) and waits for it to exit. */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ProcessGroupOptions {
  size: number;
  host?: string;
  /** The server arguments of member `index` (after `main.ts`). */
  args: (member: { index: number; host: string; port: number; peerPort: number; peers: string }) => Array<string | number>;
  /** Start order (default 0..size-1); all are started before any is waited for. */
  order?: number[];
  /** Node flags for every member (e.g. --max-semi-space-size=…). */
  nodeFlags?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long each member may take to open its client port (default 20 s). */
  readyTimeoutMs?: number;
}

const SERVER_ENTRY = fileURLToPath(new URL("../../systems/server/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function startProcessGroup(options: ProcessGroupOptions): Promise<ProcessGroup> {
  const host = options.host ?? "127.0.0.1";
  const ports: Array<{ port: number; peerPort: number }> = [];
  const picked = await freePorts(2 * (options.size), host);
  for (let i = 0; i < options.size; i++) ports.push({ port: picked[2 * i], peerPort: picked[2 * i + 1] });
  const peers = ports.map((p) => `${host}:${p.peerPort}`).join(",");
  const members: GroupProcess[] = [];
  let stderr = "";
  const killAll = () => {
    for (const member of members) member?.child.kill("SIGKILL");
  };
  process.once("exit", killAll);
  const exit = (child: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  const stop = async () => {
    process.off("exit", killAll);
    await Promise.all(members.filter((m) => m !== undefined).map((m) => exit(m.child, "SIGKILL")));
  };
  const order = options.order ?? Array.from({ length: options.size }, (_, i) => i);
  try {
    for (const index of order) {
      const { port, peerPort } = ports[index];
      const args = options.args({ index, host, port, peerPort, peers }).map(String);
      const child = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", "tsx", SERVER_ENTRY, ...args], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, ...options.env },
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        if (stderr.length < 200_000) stderr += chunk.toString().replace(/^(?=.)/gm, `[${index}] `);
      });
      members[index] = { index, host, port, peerPort, child };
    }
    for (const index of order) await waitForPort(host, ports[index].port, options.readyTimeoutMs ?? 20_000, members[index].child);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    members,
    peers,
    logs: () => stderr,
    kill: (index) => exit(members[index].child, "SIGKILL"),
    stop,
  };
}
