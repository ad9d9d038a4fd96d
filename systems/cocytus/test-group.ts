/**
 * Starts a whole Cocytus group as real OS processes on loopback with free ports, for end-to-end
 * tests and benchmarks: k data processes and m parity processes, each through the shared server
 * entry (`systems/server/main.ts --mode cocytus …`) in its own `node` process. stop() kills them
 * all (also when this process exits), so nothing is left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePorts } from "../../test/support/ports.ts";
import { waitForPort } from "../../test/support/process.ts";
import type { CodecName } from "../codec/codec.ts";

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
  memoryMb?: number;
  /** The group's codec (passed as COCYTUS_CODEC; the entry has no flag for it). */
  codec?: CodecName;
  host?: string;
  /** Extra node flags for every member (e.g. --max-semi-space-size). */
  nodeFlags?: string[];
  /** Extra environment variables for every member (e.g. COCYTUS_RECOVERY=blocked). */
  env?: Record<string, string>;
}

const SERVER_ENTRY = fileURLToPath(new URL("../server/main.ts", import.meta.url));

export async function startTestGroup(options: TestGroupOptions = {}): Promise<TestGroup> {
  const { k = 3, m = 2, group = 0, host = "127.0.0.1" } = options;
  const ports = [];
  const picked = await freePorts(2 * (k + m), host);
  for (let i = 0; i < k + m; i++) ports.push({ port: picked[2 * i], peerPort: picked[2 * i + 1] });
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
      const args = ["--mode", "cocytus", "--group", group, "--index", index, "--k", k, "--m", m, "--host", host, "--port", ports[index].port, "--peer-port", ports[index].peerPort, "--peers", peers, "--memory", options.memoryMb ?? 64];
      const child = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", "tsx", SERVER_ENTRY, ...args.map(String)], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, ...options.env, ...(options.codec === undefined ? {} : { COCYTUS_CODEC: options.codec }) },
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        if (stderr.length < 100_000) stderr += `[${index}] ${chunk.toString()}`;
      });
      members[index] = { index, role: index < k ? "data" : "parity", host, port: ports[index].port, peerPort: ports[index].peerPort, child };
    }
    for (const index of order) await waitForPort(host, ports[index].port, 60_000, members[index].child);
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
