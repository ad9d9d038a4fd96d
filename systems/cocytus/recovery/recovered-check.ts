/**
 * The consistency check of a group after failures: like group-check.ts (once quiet, every live
 * parity page equals the encoding of the data pages at its offset, and every metadata replica at
 * a live parity process equals its data process's index and allocation), except that a data
 * index's pages and metadata come from whoever serves it now (the view's owner: the original data
 * process, or the recovery leader that hosts it) and only live parity processes are compared.
 */
import { PAGE_SIZE, type ErasureCodec } from "../../codec/codec.ts";
import { DebugClient, MAX_DEBUG_PAGES, type MemberState } from "../debug.ts";
import type { MetadataDescription } from "../metadata-dump.ts";
import { HOSTED_DEBUG_ROLE } from "./parity-recovery.ts";
import type { CocytusView } from "./view.ts";

export interface RecoveredGroup {
  group: number;
  k: number;
  m: number;
  /** Every member's host and peer port, in index order. */
  members: { host: string; peerPort: number }[];
  /** The group's current view (from `view`): who serves each data index, who lives. */
  view: CocytusView;
}

export interface RecoveredCheckResult {
  pages: number;
  /** Parity indices compared. */
  parities: number[];
  badPages: string[];
  badReplicas: string[];
}

/** Connects to the data indices' owners and the live parity processes; waits until quiet; compares. */
export async function checkRecoveredGroup(group: RecoveredGroup, codec: ErasureCodec, quietTimeoutMs = 20_000): Promise<RecoveredCheckResult> {
  const { k, m, members, view } = group;
  const clients: DebugClient[] = [];
  try {
    const data: DebugClient[] = [];
    for (let d = 0; d < k; d++) {
      const owner = view.owners[d];
      if (owner < 0) throw new Error(`cocytus check: nobody serves data index ${d} in view epoch ${view.epoch}`);
      const at = members[owner];
      const client = await DebugClient.connect(at.host, at.peerPort, group.group, d, owner === d ? "debug" : HOSTED_DEBUG_ROLE);
      clients.push(client);
      data.push(client);
    }
    const parities: number[] = [];
    const parity: DebugClient[] = [];
    for (let j = 0; j < m; j++) {
      if (view.members[k + j] === null) continue;
      const at = members[k + j];
      const client = await DebugClient.connect(at.host, at.peerPort, group.group, k + j);
      clients.push(client);
      parity.push(client);
      parities.push(j);
    }
    await waitQuiet(data, parity, quietTimeoutMs);
    return await compare(codec, data, parity, parities);
  } finally {
    for (const client of clients) client.close();
  }
}

async function waitQuiet(data: DebugClient[], parity: DebugClient[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dataStates = await Promise.all(data.map((c) => c.state()));
    const parityStates: MemberState[] = await Promise.all(parity.map((c) => c.state()));
    const quiet = dataStates.every((s, d) => s.RT === s.ST && parityStates.every((p) => p.RVT![d] === s.ST && p.SVT![d] === s.ST));
    if (quiet) return;
    if (Date.now() > deadline) throw new Error(`cocytus check: the group did not become quiet within ${timeoutMs} ms: ${JSON.stringify({ dataStates, parityStates })}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function compare(codec: ErasureCodec, data: DebugClient[], parity: DebugClient[], parities: number[]): Promise<RecoveredCheckResult> {
  const dataMetadata = (await Promise.all(data.map((c) => c.metadata()))) as MetadataDescription[];
  const badReplicas: string[] = [];
  for (let n = 0; n < parity.length; n++) {
    const replicas = (await parity[n].metadata()) as MetadataDescription[];
    dataMetadata.forEach((description, d) => {
      if (JSON.stringify(description) !== JSON.stringify(replicas[d])) badReplicas.push(`replica of data ${d} at parity ${parities[n]}`);
    });
  }
  let end = 0;
  for (const description of dataMetadata) for (const item of description.items) end = Math.max(end, item.offset + item.length);
  const pages = Math.ceil(end / PAGE_SIZE);
  const badPages: string[] = [];
  for (let first = 0; first < pages; first += MAX_DEBUG_PAGES) {
    const count = Math.min(MAX_DEBUG_PAGES, pages - first);
    const dataAreas = await Promise.all(data.map((c) => c.pages(first, count)));
    const parityAreas = await Promise.all(parity.map((c) => c.pages(first, count)));
    for (let p = 0; p < count; p++) {
      const slice = (area: Buffer) => new Uint8Array(area.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
      const expected = await codec.encode(dataAreas.map(slice));
      parityAreas.forEach((area, n) => {
        if (!Buffer.from(slice(area)).equals(expected[parities[n]])) badPages.push(`page ${first + p} parity ${parities[n]}`);
      });
    }
  }
  return { pages, parities, badPages, badReplicas };
}
