import { connect } from "node:net";
import { parseCocytusView } from "../../systems/cocytus/recovery/view.ts";
import { parseView } from "../../systems/pbr/view.ts";
import type { ProcessInfo } from "../deploy/types.ts";
import type { Refresher } from "./proxy.ts";
import type { RouteTable } from "./route-table.ts";

/** A group's view as the proxy needs it: who serves each route member, by client address. */
interface OwnersView {
  group: number;
  /** Per route member (pbr: only 0, the primary; cocytus: data index): a client address, or null while none serves it. */
  owners: Array<{ address: string; memberIndex: number } | null>;
}

/**
 * A pbr or cocytus refresher: when an owner cannot be reached (or answers that it no longer owns
 * the key), ask the group's other members for their `view` (systems/pbr/view.ts,
 * systems/cocytus/recovery/view.ts) and point the group's routes at the owners it names. While the
 * group is still electing or preparing (an owner of -1), ask again every 100 ms until `timeoutMs`.
 */
export function groupViewRefresher(mode: "pbr" | "cocytus", processes: readonly ProcessInfo[], timeoutMs = 5000): Refresher {
  return async (failed, table) => {
    const failedProcess = processes.find((p) => p.id === failed.id) ?? processes.find((p) => p.host === failed.host && p.port === failed.port);
    if (!failedProcess) return;
    const members = processes.filter((p) => p.group === failedProcess.group).sort((a, b) => a.index - b.index);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const member of members) {
        if (member.host === failed.host && member.port === failed.port) continue;
        const view = await askView(member.host, member.port, mode, 1000).catch(() => undefined);
        // For a few ms after a failure a member's view may still name the one we failed to reach.
        const failedAddress = `${failed.host}:${failed.port}`;
        if (view && view.owners.every((owner) => owner !== null && owner.address !== failedAddress)) {
          adopt(view, members, table);
          return;
        }
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

function adopt(view: OwnersView, members: ProcessInfo[], table: RouteTable): void {
  view.owners.forEach((owner, routeMember) => {
    if (!owner) return;
    const separator = owner.address.lastIndexOf(":");
    const member = members.find((p) => p.index === owner.memberIndex);
    table.setOwner(view.group, routeMember, { id: member?.id ?? `g${view.group}-member${owner.memberIndex}`, host: owner.address.slice(0, separator), port: Number(owner.address.slice(separator + 1)) });
  });
}

function ownersOf(mode: "pbr" | "cocytus", reply: string): OwnersView {
  if (mode === "pbr") {
    const view = parseView(reply);
    const address = view.primary < 0 ? null : view.members[view.primary];
    return { group: view.group, owners: [address ? { address, memberIndex: view.primary } : null] };
  }
  const view = parseCocytusView(reply);
  return {
    group: view.group,
    owners: view.owners.map((owner) => {
      const address = owner < 0 ? null : view.members[owner];
      return address ? { address, memberIndex: owner } : null;
    }),
  };
}

/** Sends `view` to a server and parses its reply. */
function askView(host: string, port: number, mode: "pbr" | "cocytus", timeoutMs: number): Promise<OwnersView> {
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
        resolve(ownersOf(mode, reply));
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
