/**
 * Who is who in a Cocytus group: k data processes (indices 0..k-1) then m parity processes
 * (k..k+m-1), each with the host and peer port the others reach it on.
 */
import type { FailureDetection } from "../peer/index.ts";

export interface GroupMember {
  host: string;
  peerPort: number;
}

export interface GroupConfig {
  group: number;
  /** This process's index in the group. */
  index: number;
  k: number;
  m: number;
  /** Every member, in index order (this process included). */
  members: GroupMember[];
  detection?: FailureDetection;
  /** How long a data process keeps trying to reach the parity processes at start. */
  connectDeadlineMs?: number;
}

/** "host:port,host:port,…" → members; throws naming the bad entry. */
export function parsePeers(peers: string, what = "--peers"): GroupMember[] {
  return peers.split(",").map((entry, n) => {
    const match = /^(.+):(\d+)$/.exec(entry.trim());
    const port = match ? Number(match[2]) : NaN;
    if (!match || !(port >= 1 && port <= 65535)) {
      throw new Error(`${what}[${n}] must be host:port with a port from 1 to 65535, found ${JSON.stringify(entry)}`);
    }
    return { host: match[1], peerPort: port };
  });
}

/** Checks that the group's shape is one the codec and the protocol support; throws naming the field. */
export function checkGroupConfig(config: GroupConfig): void {
  const { k, m, index, members, group } = config;
  if (!Number.isInteger(group) || group < 0) throw new Error(`cocytus: --group must be a non-negative integer, found ${group}`);
  if (!Number.isInteger(k) || k < 2) throw new Error(`cocytus: --k must be an integer of at least 2, found ${k}`);
  if (!Number.isInteger(m) || m < 1) throw new Error(`cocytus: --m must be a positive integer, found ${m}`);
  if (!Number.isInteger(index) || index < 0 || index >= k + m) throw new Error(`cocytus: --index must be an integer from 0 to ${k + m - 1} (k + m - 1), found ${index}`);
  if (members.length !== k + m) throw new Error(`cocytus: --peers must list all k + m = ${k + m} members of the group in index order, found ${members.length}`);
}

export function isDataIndex(config: GroupConfig, index = config.index): boolean {
  return index < config.k;
}
