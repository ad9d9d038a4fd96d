/**
 * The `view` extension command of cocytus mode (contract for the proxy and the driver).
 *
 * Any member of a group (data or parity process) answers `view\r\n` with one line and END:
 *
 *   VIEW <group> <epoch> <owner0>,<owner1>,…,<owner(k-1)> <member0>,<member1>,…,<member(k+m-1)>\r\n
 *   END\r\n
 *
 * - <group>: the group number (routing: group = h mod G, data index = floor(h / G) mod k);
 * - <epoch>: starts at 1 and grows by one at every change of owners or members;
 * - <ownerD>: the index of the member that serves the keys of data index D: D itself while data
 *   process D lives; after it failed, the recovery leader (a parity process, index ≥ k), which
 *   serves D's keys from the repaired data area; -1 while nobody serves them yet (preparation
 *   is under way: ask again shortly);
 * - <memberX>: member X's client address `host:port`, or `-` when the answering member counts it
 *   down (or does not know it yet). All k + m members are listed, in index order.
 *
 * It has the shape of pbr's reply (systems/pbr/view.ts: `VIEW <group> <epoch> <primary> <members>`),
 * with one owner per data index where pbr has one primary. Example: group 0, RS(3,2), data process 1
 * died and parity process 3 (the lowest-numbered live one) leads the recovery and serves its keys:
 *
 *   VIEW 0 2 0,3,2 127.0.1.1:20000,-,127.0.1.3:20002,127.0.1.4:20003,127.0.1.5:20004
 *   END
 *
 * A member asked for a key it does not serve answers `SERVER_ERROR not the owner …`.
 */

import { connect } from "node:net";

export interface CocytusView {
  group: number;
  epoch: number;
  /** Per data index: the member index serving its keys, or -1. */
  owners: number[];
  /** Per member index: client address `host:port`, or null when counted down or unknown. */
  members: Array<string | null>;
}

/** The reply to `view` (both lines). */
export function formatCocytusView(view: CocytusView): Buffer {
  const members = view.members.map((address) => address ?? "-").join(",");
  return Buffer.from(`VIEW ${view.group} ${view.epoch} ${view.owners.join(",")} ${members}\r\nEND\r\n`, "latin1");
}

/** Parses a `view` reply (both lines); throws saying what was expected and what was found. */
export function parseCocytusView(reply: string): CocytusView {
  const match = /^VIEW (\d+) (\d+) ((?:-1|\d+)(?:,(?:-1|\d+))*) (\S+)\r\nEND\r\n$/.exec(reply);
  if (match === null) {
    throw new Error(`cocytus view reply: expected "VIEW <group> <epoch> <owner>,... <host:port|->,...\\r\\nEND\\r\\n", found ${JSON.stringify(reply.slice(0, 200))}`);
  }
  const members = match[4].split(",").map((entry, n) => {
    if (entry === "-") return null;
    if (!/^[^\s,]+:\d{1,5}$/.test(entry)) throw new Error(`cocytus view reply: member ${n} must be host:port or -, found ${JSON.stringify(entry)}`);
    return entry;
  });
  const owners = match[3].split(",").map(Number);
  owners.forEach((owner, d) => {
    if (owner >= members.length) throw new Error(`cocytus view reply: owner of data index ${d} must be below the ${members.length} members listed, found ${owner}`);
  });
  if (owners.length >= members.length) throw new Error(`cocytus view reply: expected fewer owners (data indices) than members, found ${owners.length} owners and ${members.length} members`);
  return { group: Number(match[1]), epoch: Number(match[2]), owners, members };
}

/** The client address serving data index d's keys in a view, or null when there is none. */
export function ownerAddress(view: CocytusView, dataIndex: number): string | null {
  const owner = view.owners[dataIndex];
  return owner === undefined || owner < 0 ? null : view.members[owner] ?? null;
}

/** Sends `view` to a member's client port and parses the reply. */
export function askCocytusView(host: string, port: number, timeoutMs = 2000): Promise<CocytusView> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`cocytus view: no reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once("connect", () => socket.write("view\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (reply.endsWith("END\r\n") || /ERROR[^\n]*\r\n$/.test(reply)) {
        clearTimeout(timer);
        socket.destroy();
        try {
          resolve(parseCocytusView(reply));
        } catch (error) {
          reject(error as Error);
        }
      }
    });
    socket.once("error", fail);
  });
}
