/**
 * A parity process on the network: its ParityProcess state machine behind a peer listener. Each
 * data process dials in (Updates and Commits arrive in order on its link); acknowledgements
 * (RVT[i]) go back once per event-loop turn, covering every Update that turn brought.
 */
import type { Server } from "node:net";
import { PAGE_SIZE, type ErasureCodec } from "../codec/codec.ts";
import { listenPeers, type PeerLink } from "../peer/index.ts";
import type { DataArea, Store } from "../store/index.ts";
import { serveDebug, type DebugSource } from "./debug.ts";
import type { GroupConfig } from "./group-config.ts";
import { CocytusFrame, decodeTimestamp, encodeTimestamp, forEachBatchedUpdate } from "./messages.ts";
import { describeMetadata } from "./metadata-dump.ts";
import { ParityProcess } from "./parity-process.ts";

/** What recovery (systems/cocytus/recovery) adds to a parity member; set right after start. */
export interface ParityMemberHooks {
  /** A frame other than Update/Commit on data process i's link; false makes it a protocol error. */
  onDataFrame(dataIndex: number, type: number, payload: Buffer): boolean;
  /** Data process i's link came up (its Update handler is in place). */
  onDataLinkUp(dataIndex: number): void;
  /** Data process i's current link went down. */
  onDataLinkDown(dataIndex: number, reason: string): void;
  /** A peer that is neither a data process of the group nor a debug tool; false refuses it. */
  onOtherLink(link: PeerLink): boolean;
}

export class ParityMember {
  /** Recovery's hooks, if any. */
  hooks: ParityMemberHooks | undefined;
  /** The current link of each data process (undefined before it connects or after it went down). */
  private readonly dataLinks: (PeerLink | undefined)[];
  private readonly acksDue = new Set<number>();
  private ackScheduled = false;
  private peerServer: Server | undefined;

  private constructor(
    readonly parityProcess: ParityProcess,
    private readonly config: GroupConfig,
    private readonly log: (line: string) => void,
  ) {
    this.dataLinks = new Array<PeerLink | undefined>(config.k);
  }

  static async start(config: GroupConfig, codec: ErasureCodec, replicas: Store[], parityArea: DataArea, log: (line: string) => void): Promise<ParityMember> {
    const parityProcess = new ParityProcess({ parityIndex: config.index - config.k, k: config.k, codec, replicas, parityArea });
    const member = new ParityMember(parityProcess, config, log);
    const self = config.members[config.index];
    member.peerServer = await listenPeers(self.host, self.peerPort, (link) => member.accept(link), config.detection);
    return member;
  }

  close(): void {
    for (const link of this.dataLinks) link?.close();
    this.peerServer?.close();
  }

  /** Sends a frame to data process i (false when it has no live link). */
  sendToData(dataIndex: number, type: number, payload: Uint8Array): boolean {
    return this.dataLinks[dataIndex]?.send(type, payload) ?? false;
  }

  /** Closes data process i's link (recovery counts it failed; nothing more is taken from it). */
  closeDataLink(dataIndex: number): void {
    this.dataLinks[dataIndex]?.close();
  }

  private accept(link: PeerLink): void {
    const { group, k } = this.config;
    const remote = link.remote;
    if (remote.role === "debug") {
      serveDebug(link, this.debugSource());
      return;
    }
    if (remote.role !== "data" && this.hooks?.onOtherLink(link)) return;
    if (remote.role !== "data" || remote.group !== group || remote.index >= k) {
      this.log(`cocytus parity ${group}/${this.config.index}: refused a peer that is not a data process of group ${group}: ${JSON.stringify(remote)}`);
      link.close();
      return;
    }
    const dataIndex = remote.index;
    if (this.dataLinks[dataIndex] !== undefined && !this.dataLinks[dataIndex]!.isDown) {
      this.log(`cocytus parity ${group}/${this.config.index}: data process ${dataIndex} connected twice; keeping the first link`);
      link.close();
      return;
    }
    this.dataLinks[dataIndex] = link;
    // No frame type is taken lent (see PeerLink.onFrame), though onUpdate copies into the log
    // anyway: with lent update payloads (no allocation per frame) V8 collected less often during a
    // load, and fig-memory --fast read cocytus Zipf at 3.27-3.36 against 3.20 with a copy per frame
    // (the parity processes ended 5-8 MiB higher).
    link.onFrame((type, payload) => {
      try {
        if (type === CocytusFrame.UpdateBatch) {
          forEachBatchedUpdate(payload, (update) => this.parityProcess.onUpdate(dataIndex, update));
          this.scheduleAck(dataIndex);
        } else if (type === CocytusFrame.Update) {
          this.parityProcess.onUpdate(dataIndex, payload);
          this.scheduleAck(dataIndex);
        } else if (type === CocytusFrame.Commit) {
          this.parityProcess.onCommit(dataIndex, decodeTimestamp(payload, "cocytus commit"));
        } else if (!this.hooks?.onDataFrame(dataIndex, type, payload)) {
          throw new Error(`expected an UpdateBatch (${CocytusFrame.UpdateBatch}), Update (${CocytusFrame.Update}) or Commit (${CocytusFrame.Commit}) frame, found type ${type}`);
        }
      } catch (error) {
        this.log(`cocytus parity ${group}/${this.config.index}: closing the link of data process ${dataIndex}: ${(error as Error).message}`);
        link.close();
      }
    });
    link.onDown((reason) => {
      this.log(`cocytus parity ${group}/${this.config.index}: data process ${dataIndex} is down (${reason})`);
      if (this.dataLinks[dataIndex] !== link) return;
      this.dataLinks[dataIndex] = undefined;
      this.hooks?.onDataLinkDown(dataIndex, reason);
    });
    this.hooks?.onDataLinkUp(dataIndex);
  }

  /** Acks go out once per event-loop turn: one cumulative RVT[i] covers every Update of the turn. */
  private scheduleAck(dataIndex: number): void {
    this.acksDue.add(dataIndex);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      for (const i of this.acksDue) this.dataLinks[i]?.send(CocytusFrame.Ack, encodeTimestamp(this.parityProcess.RVT[i]));
      this.acksDue.clear();
    });
  }

  private debugSource(): DebugSource {
    const pp = this.parityProcess;
    return {
      state: () => ({
        role: "parity",
        index: this.config.index,
        RVT: Array.from(pp.RVT),
        SVT: Array.from(pp.SVT),
        buffered: Array.from({ length: pp.k }, (_, i) => pp.bufferedCount(i)),
      }),
      metadata: async () => {
        await pp.settled();
        return pp.replicas.map((replica) => describeMetadata(replica));
      },
      pages: async (first, count) => {
        await pp.settled();
        return Buffer.from(pp.parityArea.view(first * PAGE_SIZE, count * PAGE_SIZE));
      },
    };
  }
}
