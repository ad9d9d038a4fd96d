import { connect } from "node:net";
import { nodeLabel } from "../cluster/node-error.ts";
import type { Executor } from "../cluster/types.ts";
import type { DeployedProcess } from "./state.ts";

/** Resolves true if a memcached-protocol server at host:port answers `version` within timeoutMs. */
export function answersVersion(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write("version\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("VERSION "));
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}

/** A process that did not come up; the message names node, process, pid, port, why, and the log's tail. */
export class StartError extends Error {
  override name = "StartError";
}

/**
 * Waits until every process answers `version` on its client port. Fails as soon as one has exited
 * (checked through its node's executor), when the deadline passes, or when `signal` aborts.
 */
export async function waitUntilReady(processes: readonly DeployedProcess[], executors: readonly Executor[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const waiting = new Set(processes);
  while (waiting.size > 0) {
    signal?.throwIfAborted();
    const checks = await Promise.all([...waiting].map(async (p) => [p, await answersVersion(p.host, p.port, 1000)] as const));
    for (const [p, ok] of checks) if (ok) waiting.delete(p);
    if (waiting.size === 0) return;
    await failIfExited([...waiting], executors);
    if (Date.now() > deadline) {
      const p = [...waiting][0];
      throw new StartError(`${describe(p, executors)} did not answer \`version\` on ${p.host}:${p.port} within ${timeoutMs} ms (${waiting.size} process(es) not ready)${await logTail(p, executors)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function failIfExited(processes: DeployedProcess[], executors: readonly Executor[]): Promise<void> {
  const byNode = new Map<number, DeployedProcess[]>();
  for (const p of processes) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  for (const [node, list] of byNode) {
    const stats = await executors[node].readProc(list.map((p) => p.pid));
    const dead = list.find((_, i) => !stats[i].alive);
    if (dead) throw new StartError(`${describe(dead, executors)} exited at start, before answering on ${dead.host}:${dead.port}${await logTail(dead, executors)}`);
  }
}

function describe(p: DeployedProcess, executors: readonly Executor[]): string {
  return `${nodeLabel(executors[p.node].node)}: process ${p.id} (pid ${p.pid})`;
}

/** The last lines of a process's log, for error messages. */
export async function logTail(p: DeployedProcess, executors: readonly Executor[], lines = 15): Promise<string> {
  try {
    const text = (await executors[p.node].logs(p.logPath, 8192)).trimEnd();
    if (text === "") return `; its log ${p.logPath} is empty`;
    return `; last lines of ${p.logPath}:\n${text.split("\n").slice(-lines).map((l) => `  | ${l}`).join("\n")}`;
  } catch (error) {
    return `; its log could not be read: ${(error as Error).message}`;
  }
}
