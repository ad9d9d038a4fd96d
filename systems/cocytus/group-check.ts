/**
 * The consistency check of a running Cocytus group, over the debug peer command: once the group is
 * quiet (every request stable everywhere), every parity page must equal the encoding of the data
 * pages at its offset, and every metadata replica must equal its data process's index and
 * allocation. Used by the end-to-end tests and available to the harness.
 */
import { PAGE_SIZE, type ErasureCodec } from "../codec/codec.ts";
import { DebugClient, MAX_DEBUG_PAGES, type MemberState } from "./debug.ts";
import type { MetadataDescription } from "./metadata-dump.ts";

export interface GroupAddress {
  group: number;
  k: number;
  m: number;
  /** Every member's host and peer port, in index order. */
  members: { host: string; peerPort: number }[];
}

export interface GroupCheckResult {
  /** Pages compared (from 0 to the highest page any item uses). */
  pages: number;
  /** "page P parity J" for every parity page that is not the encoding of its data pages. */
  badPages: string[];
  /** "replica of data I at parity J: …" for every replica that differs from its data process. */
  badReplicas: string[];
}

export class GroupInspector {
  private constructor(
    private readonly address: GroupAddress,
    private readonly clients: DebugClient[],
  ) {}

  static async connect(address: GroupAddress): Promise<GroupInspector> {
    const clients: DebugClient[] = [];
    try {
      for (let index = 0; index < address.members.length; index++) {
        const member = address.members[index];
        clients.push(await DebugClient.connect(member.host, member.peerPort, address.group, index));
      }
    } catch (error) {
      for (const client of clients) client.close();
      throw error;
    }
    return new GroupInspector(address, clients);
  }

  close(): void {
    for (const client of this.clients) client.close();
  }

  states(): Promise<MemberState[]> {
    return Promise.all(this.clients.map((client) => client.state()));
  }

  /** Waits until every request every data process received is stable at it and applied at every parity process. */
  async waitQuiet(timeoutMs = 10_000): Promise<MemberState[]> {
    const { k } = this.address;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.states();
      const quiet = states.slice(0, k).every((data, i) => data.RT === data.ST && states.slice(k).every((parity) => parity.RVT![i] === data.ST && parity.SVT![i] === data.ST));
      if (quiet) return states;
      if (Date.now() > deadline) throw new Error(`cocytus group ${this.address.group} did not become quiet within ${timeoutMs} ms: ${JSON.stringify(states)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Compares parity with the encoding of the data and every replica with its data process (call when quiet). */
  async check(codec: ErasureCodec): Promise<GroupCheckResult> {
    const { k, m } = this.address;
    const metadata = await Promise.all(this.clients.map((client) => client.metadata()));
    const dataMetadata = metadata.slice(0, k) as MetadataDescription[];
    const badReplicas: string[] = [];
    for (let j = 0; j < m; j++) {
      const replicas = metadata[k + j] as MetadataDescription[];
      for (let i = 0; i < k; i++) {
        const difference = describeDifference(dataMetadata[i], replicas[i]);
        if (difference !== null) badReplicas.push(`replica of data ${i} at parity ${j}: ${difference}`);
      }
    }
    let end = 0;
    for (const description of dataMetadata) for (const item of description.items) end = Math.max(end, item.offset + item.length);
    const pages = Math.ceil(end / PAGE_SIZE);
    const badPages: string[] = [];
    for (let first = 0; first < pages; first += MAX_DEBUG_PAGES) {
      const count = Math.min(MAX_DEBUG_PAGES, pages - first);
      const areas = await Promise.all(this.clients.map((client) => client.pages(first, count)));
      for (let p = 0; p < count; p++) {
        const slice = (area: Buffer) => new Uint8Array(area.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
        const expected = await codec.encode(areas.slice(0, k).map(slice));
        for (let j = 0; j < m; j++) if (!Buffer.from(slice(areas[k + j])).equals(expected[j])) badPages.push(`page ${first + p} parity ${j}`);
      }
    }
    return { pages, badPages, badReplicas };
  }
}

/** The first difference between a data process's metadata and a replica's, or null. */
function describeDifference(data: MetadataDescription, replica: MetadataDescription): string | null {
  if (data.items.length !== replica.items.length) return `${data.items.length} items at the data process, ${replica.items.length} in the replica`;
  for (let n = 0; n < data.items.length; n++) {
    const a = JSON.stringify(data.items[n]);
    const b = JSON.stringify(replica.items[n]);
    if (a !== b) return `item ${n}: ${a} at the data process, ${b} in the replica`;
  }
  if (data.liveSlots !== replica.liveSlots || data.liveSlotBytes !== replica.liveSlotBytes) {
    return `allocation differs: ${data.liveSlots} slots / ${data.liveSlotBytes} bytes at the data process, ${replica.liveSlots} / ${replica.liveSlotBytes} in the replica`;
  }
  if (replica.unallocatedItems !== 0) return `${replica.unallocatedItems} items whose region the replica's allocator does not hold`;
  return null;
}
