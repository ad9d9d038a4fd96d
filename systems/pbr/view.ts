/**
 * The `view` extension command of pbr mode (contract for the proxy and the driver).
 *
 * Any member of a group answers `view\r\n` with one line and END:
 *
 *   VIEW <group> <epoch> <primary> <member0>,<member1>,<member2>\r\n
 *   END\r\n
 *
 * - <group>: the group number (routing: group = h mod G);
 * - <epoch>: starts at 1 and grows by one at every failover;
 * - <primary>: the index of the member that serves reads and writes, or -1 while the answering
 *   member knows the primary is down and no successor is chosen yet (ask again shortly);
 * - <memberI>: member I's client address `host:port`, or `-` when the answering member counts it
 *   down (or never reached it). Members are listed in index order, always all of them.
 *
 * A member that is not the primary answers every get/gets/gat/gats and every write with
 * `SERVER_ERROR not primary\r\n` (nothing is read or changed); `view`, `stats`, `version` work on
 * every member. Example, after member 0 of group 4 died and member 2 took over:
 *
 *   VIEW 4 2 2 -,127.0.1.1:20031,127.0.1.2:20032
 *   END
 */

export interface GroupView {
  group: number;
  epoch: number;
  /** Index of the primary, or -1 while an election is under way. */
  primary: number;
  /** Client address (`host:port`) per member index; null for a member counted down. */
  members: Array<string | null>;
}

export const NOT_PRIMARY_REPLY = Buffer.from("SERVER_ERROR not primary\r\n", "latin1");

/** The reply to `view` (both lines). */
export function formatView(view: GroupView): Buffer {
  const members = view.members.map((address) => address ?? "-").join(",");
  return Buffer.from(`VIEW ${view.group} ${view.epoch} ${view.primary} ${members}\r\nEND\r\n`, "latin1");
}

/** Parses a `view` reply (both lines); throws saying what was expected and what was found. */
export function parseView(reply: string): GroupView {
  const match = /^VIEW (\d+) (\d+) (-1|\d+) (\S+)\r\nEND\r\n$/.exec(reply);
  if (match === null) {
    throw new Error(`view reply: expected "VIEW <group> <epoch> <primary> <host:port|->,...\\r\\nEND\\r\\n", found ${JSON.stringify(reply.slice(0, 200))}`);
  }
  const members = match[4].split(",").map((entry, n) => {
    if (entry === "-") return null;
    if (!/^[^\s,]+:\d{1,5}$/.test(entry)) throw new Error(`view reply: member ${n} must be host:port or -, found ${JSON.stringify(entry)}`);
    return entry;
  });
  const primary = Number(match[3]);
  if (primary >= members.length) throw new Error(`view reply: primary index must be below the ${members.length} members listed, found ${primary}`);
  return { group: Number(match[1]), epoch: Number(match[2]), primary, members };
}

/** The primary's client address in a view, or null when there is none. */
export function primaryAddress(view: GroupView): string | null {
  return view.primary < 0 ? null : view.members[view.primary] ?? null;
}
