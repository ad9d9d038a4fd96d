import { connect } from "node:net";
import { parseView, type GroupView } from "../../systems/pbr/view.ts";
import type { ProcessInfo } from "../deploy/types.ts";
import type { Refresher } from "./proxy.ts";
import type { RouteTable } from "./route-table.ts";

/**
 * A pbr refresher: when a group's primary cannot be reached, ask the group's other members for
 * their `view` (systems/pbr/view.ts) and point the group's route at the primary it names. While
 * the members are still electing (primary -1), ask again every 100 ms until `timeoutMs`.
 */
export function pbrViewRefresher(processes: readonly ProcessInfo[], timeoutMs = 5000): Refresher {
  return async (failed, table) => {
    const failedProcess = processes.find((p) => p.id === failed.id);
    if (!failedProcess) return;
    const members = processes.filter((p) => p.group === failedProcess.group).sort((a, b) => a.index - b.index);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const member of members) {
        if (member.host === failed.host && member.port === failed.port) continue;
        const view = await askView(member.host, member.port, 1000).catch(() => undefined);
        if (view && adopt(view, members, table)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
}

/** Chains refreshers: each runs in turn (e.g. re-read the state file, then ask the group). */
export function chainRefreshers(...refreshers: Refresher[]): Refresher {
  return async (failed, table) => {
    for (const refresh of refreshers) await refresh(failed, table);
  };
}

function adopt(view: GroupView, members: ProcessInfo[], table: RouteTable): boolean {
  if (view.primary < 0) return false;
  const address = view.members[view.primary];
  if (!address) return false;
  const separator = address.lastIndexOf(":");
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  const member = members.find((p) => p.index === view.primary);
  table.setOwner(view.group, 0, { id: member?.id ?? `pbr-g${view.group}-member${view.primary}`, host, port });
  return true;
}

/** Sends `view` to a server and parses its reply. */
export function askView(host: string, port: number, timeoutMs: number): Promise<GroupView> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`view: no reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => socket.write("view\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (!reply.endsWith("\r\n") || (!reply.endsWith("END\r\n") && !reply.includes("ERROR"))) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(parseView(reply));
      } catch (error) {
        reject(error);
      }
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Re-reads the state file and reloads the table when the deployment's process table there changed
 * (e.g. the harness recorded a replacement process). Ignores a different or missing deployment.
 */
export function stateFileRefresher(read: () => { deploymentId: string; processes: ProcessInfo[] } | undefined, deploymentId: string): Refresher {
  let seen = JSON.stringify(read()?.processes ?? []);
  return async (_failed, table) => {
    const state = read();
    if (!state || state.deploymentId !== deploymentId) return;
    const now = JSON.stringify(state.processes);
    if (now === seen) return;
    seen = now;
    table.load(state.processes);
  };
}
