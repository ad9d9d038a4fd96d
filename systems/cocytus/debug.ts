/**
 * Debug/admin peer command: a tool (the consistency check, the harness) connects to a member's
 * peer port as role "debug" and asks for its protocol state, its metadata (a data process's index
 * or a parity process's replicas) or raw pages of its data or parity area. Requests are answered
 * in order on the link.
 */
import { connectPeer, PayloadReader, PayloadWriter, type PeerLink } from "../peer/index.ts";
import { CocytusFrame } from "./messages.ts";
import type { MetadataDescription } from "./metadata-dump.ts";

export const DebugQuery = {
  /** JSON: role, timestamps (RT/ST or RVT/SVT), in-flight and buffered counts. */
  State: 1,
  /** JSON: MetadataDescription, or one per data process for a parity process. */
  Metadata: 2,
  /** Raw bytes of pages [first, first + count) of the data or parity area. */
  Pages: 3,
} as const;

export interface MemberState {
  role: "data" | "parity";
  index: number;
  /** Data process: RT and ST. */
  RT?: number;
  ST?: number;
  inFlight?: number;
  /** Parity process: per data process. */
  RVT?: number[];
  SVT?: number[];
  buffered?: number[];
  /** process.memoryUsage() of the member. */
  memory?: NodeJS.MemoryUsage;
}

/** What a member answers debug queries with. */
export interface DebugSource {
  state(): MemberState;
  /** Metadata after every applied change is in place (a parity process waits for its codec). */
  metadata(): Promise<MetadataDescription | MetadataDescription[]>;
  pages(first: number, count: number): Promise<Buffer>;
}

/** The Hello index a debug tool uses (no member has it). */
export const DEBUG_PEER_INDEX = 0xffffffff;
const STATUS_OK = 0;
const STATUS_ERROR = 1;
/**
 * Pages per debug request: 1 MiB replies. (The peer link counts a frame as received only once it
 * is whole, and reassembles a frame by repeated concatenation, so multi-MiB frames can take longer
 * than the failure timeout to arrive.)
 */
export const MAX_DEBUG_PAGES = 256;

/** Answers debug requests arriving on a link, one after another in arrival order. */
export function serveDebug(link: PeerLink, source: DebugSource): void {
  let queue = Promise.resolve();
  link.onFrame((type, payload) => {
    if (type !== CocytusFrame.DebugRequest) {
      link.close();
      return;
    }
    const request = Buffer.from(payload);
    queue = queue.then(async () => {
      let reply: Buffer;
      try {
        reply = new PayloadWriter().u8(STATUS_OK).bytes(await answer(request, source)).finish();
      } catch (error) {
        reply = new PayloadWriter().u8(STATUS_ERROR).string((error as Error).message).finish();
      }
      link.send(CocytusFrame.DebugReply, reply);
    });
  });
}

async function answer(request: Buffer, source: DebugSource): Promise<Buffer> {
  const reader = new PayloadReader(request, "cocytus debug request");
  const query = reader.u8();
  switch (query) {
    case DebugQuery.State:
      return Buffer.from(JSON.stringify({ ...source.state(), memory: process.memoryUsage() }));
    case DebugQuery.Metadata:
      return Buffer.from(JSON.stringify(await source.metadata()));
    case DebugQuery.Pages: {
      const first = reader.u53();
      const count = reader.u32();
      if (count > MAX_DEBUG_PAGES) throw new Error(`cocytus debug: at most ${MAX_DEBUG_PAGES} pages a request, asked for ${count}`);
      return source.pages(first, count);
    }
    default:
      throw new Error(`cocytus debug: expected query 1 (state), 2 (metadata) or 3 (pages), found ${query}`);
  }
}

/** A debug connection to one member's peer port. */
export class DebugClient {
  private readonly waiting: { resolve(payload: Buffer): void; reject(error: Error): void }[] = [];

  private constructor(private readonly link: PeerLink) {
    link.onDown((reason) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`cocytus debug: link down (${reason})`));
    });
  }

  /** `role` other than "debug" asks a member for something else it serves this way (recovery: "hosted-debug"). */
  static async connect(host: string, peerPort: number, group: number, index: number, role = "debug"): Promise<DebugClient> {
    let client: DebugClient | undefined;
    const link = await connectPeer(host, peerPort, { group, index: role === "debug" ? DEBUG_PEER_INDEX : index, role }, { group, index, role: "member" }, (type, payload) => client?.receive(type, payload), {
      deadlineMs: 5000,
    });
    client = new DebugClient(link);
    return client;
  }

  async state(): Promise<MemberState> {
    return JSON.parse((await this.request(new PayloadWriter().u8(DebugQuery.State).finish())).toString()) as MemberState;
  }

  async metadata(): Promise<MetadataDescription | MetadataDescription[]> {
    return JSON.parse((await this.request(new PayloadWriter().u8(DebugQuery.Metadata).finish())).toString()) as MetadataDescription | MetadataDescription[];
  }

  async pages(first: number, count: number): Promise<Buffer> {
    return this.request(new PayloadWriter().u8(DebugQuery.Pages).u53(first).u32(count).finish());
  }

  close(): void {
    this.link.close();
  }

  private request(payload: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.link.send(CocytusFrame.DebugRequest, payload) && this.link.isDown) reject(new Error("cocytus debug: link is down"));
    });
  }

  private receive(type: number, payload: Buffer): void {
    const waiter = this.waiting.shift();
    if (waiter === undefined || type !== CocytusFrame.DebugReply) return;
    const reader = new PayloadReader(payload, "cocytus debug reply");
    const status = reader.u8();
    if (status === STATUS_OK) waiter.resolve(Buffer.from(reader.bytes()));
    else waiter.reject(new Error(reader.string()));
  }
}
