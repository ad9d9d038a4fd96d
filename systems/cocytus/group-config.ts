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
