/**
 * Starts a whole Cocytus group as real OS processes on loopback with free ports, for end-to-end
 * tests and benchmarks: k data processes then m parity processes, each through
 * startCocytusServer in its own `node` process. stop() kills them all (also when this process
 * exits), so nothing is left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/ports.ts";
import { waitForPort } from "../../test/support/process.ts";
import type { CocytusServerOptions } from "./server.ts";

export interface TestGroupMember {
  index: number;
  role: "data" | "parity";
  host: string;
  port: number;
  peerPort: number;
  child: ChildProcess;
}

export interface TestGroup {
  k: number;
  m: number;
  group: number;
  members: TestGroupMember[];
  /** Everything the members wrote on stderr (for failure messages). */
  logs(): string;
  /** Kills one member (SIGKILL, as a crash) and waits for it to exit. */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TestGroupOptions {
  k?: number;
  m?: number;
  group?: number;
  groups?: number;
  memoryMb?: number;
  codec?: CocytusServerOptions["codec"];
  host?: string;
  /** Extra node flags for every member (e.g. --max-semi-space-size). */
  nodeFlags?: string[];
}

const SERVER_MODULE = new URL("./server.ts", import.meta.url).href;
const LAUNCH = "const { startCocytusServer } = await import(process.argv[1]); await startCocytusServer(JSON.parse(process.argv[2]));";

export async function startTestGroup(options: TestGroupOptions = {}): Promise<TestGroup> {
  const { k = 3, m = 2, group = 0, host = "127.0.0.1" } = options;
  const ports = [];
  for (let i = 0; i < k + m; i++) ports.push({ port: await freePort(host), peerPort: await freePort(host) });
  const peers = ports.map((p) => `${host}:${p.peerPort}`).join(",");
  const members: TestGroupMember[] = [];
  let stderr = "";
  const killAll = () => {
    for (const member of members) member.child.kill("SIGKILL");
  };
  process.once("exit", killAll);
  const stop = async () => {
    process.off("exit", killAll);
    await Promise.all(
      members.map(
        (member) =>
          new Promise<void>((resolve) => {
            if (member.child.exitCode !== null || member.child.signalCode !== null) return resolve();
            member.child.once("exit", () => resolve());
            member.child.kill("SIGKILL");
          }),
      ),
    );
  };
  try {
    // Parity processes first: data processes dial them at start.
    const order = [...Array.from({ length: m }, (_, j) => k + j), ...Array.from({ length: k }, (_, i) => i)];
    for (const index of order) {
      const serverOptions: CocytusServerOptions = {
        group,
        index,
        k,
        m,
        host,
        port: ports[index].port,
        peerPort: ports[index].peerPort,
        peers,
        memoryMb: options.memoryMb ?? 64,
        codec: options.codec,
        groups: options.groups,
      };
      const child = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", "tsx", "--input-type=module", "-e", LAUNCH, SERVER_MODULE, JSON.stringify(serverOptions)], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        if (stderr.length < 100_000) stderr += `[${index}] ${chunk.toString()}`;
      });
      members[index] = { index, role: index < k ? "data" : "parity", host, port: ports[index].port, peerPort: ports[index].peerPort, child };
    }
    for (const index of order) await waitForPort(host, ports[index].port, 20_000, members[index].child);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    k,
    m,
    group,
    members,
    logs: () => stderr,
    kill: async (index) => {
      const child = members[index].child;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await exited;
    },
    stop,
  };
}
