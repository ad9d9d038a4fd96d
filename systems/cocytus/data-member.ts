/**
 * A data process on the network: its DataProcess state machine, one peer link to each parity
 * process (dialed by the data process; FIFO both ways: Updates and Commits out, Acks back), and a
 * peer listener for debug tools.
 */
import type { Server } from "node:net";
import { connectPeer, listenPeers, type PeerLink } from "../peer/index.ts";
import type { Store } from "../store/index.ts";
import { DataProcess } from "./data-process.ts";
import { serveDebug, type DebugSource } from "./debug.ts";
import type { GroupConfig } from "./group-config.ts";
import { CocytusFrame, MAX_BATCH_BYTES, UpdateBatch, decodeTimestamp, encodeTimestamp } from "./messages.ts";
import { describeMetadata } from "./metadata-dump.ts";
import { PAGE_SIZE } from "../codec/codec.ts";

/** Sends a link's gathered Updates as one frame. */
function flushBatch(link: PeerLink, batch: UpdateBatch): void {
  if (batch.byteLength > 0) link.send(CocytusFrame.UpdateBatch, batch.take());
}

export class DataMember {
  /** Frames of other concerns (recovery) arriving on parity process j's link. */
  onOtherFrame: ((parity: number, type: number, payload: Buffer) => void) | undefined;
  /** Called after parity process j's link went down (the data process no longer waits for it). */
  onParityLinkDown: ((parity: number) => void) | undefined;

  private constructor(
    readonly dataProcess: DataProcess,
    private readonly links: PeerLink[],
    /** Per parity process, the Updates of this event-loop turn not sent yet (one UpdateBatch frame a turn). */
    private readonly batches: UpdateBatch[],
    private readonly peerServer: Server,
  ) {}

  static async start(config: GroupConfig, store: Store, log: (line: string) => void): Promise<DataMember> {
    const { group, index, k, m, members } = config;
    const links: PeerLink[] = [];
    const batches = Array.from({ length: m }, () => new UpdateBatch());
    let started: DataMember | undefined;
    let flushScheduled = false;
    const flushAll = () => {
      flushScheduled = false;
      for (let p = 0; p < links.length; p++) flushBatch(links[p], batches[p]);
    };
    const dataProcess: DataProcess = new DataProcess({
      index,
      m,
      store,
      links: {
        sendUpdate: (p, payload) => {
          batches[p].add(payload);
          if (batches[p].byteLength >= MAX_BATCH_BYTES) flushBatch(links[p], batches[p]);
          else if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flushAll);
          }
        },
        sendCommit: (p, stable) => {
          flushBatch(links[p], batches[p]);
          links[p].send(CocytusFrame.Commit, encodeTimestamp(stable));
        },
        defer: (fn) => setImmediate(fn),
      },
    });
    const debug: DebugSource = {
      state: () => ({ role: "data", index, RT: dataProcess.RT, ST: dataProcess.ST, inFlight: dataProcess.inFlightCount }),
      metadata: async () => describeMetadata(store),
      pages: async (first, count) => Buffer.from(store.dataArea.view(first * PAGE_SIZE, count * PAGE_SIZE)),
    };
    const self = members[index];
    const peerServer = await listenPeers(
      self.host,
      self.peerPort,
      (link) => {
        if (link.remote.role === "debug") serveDebug(link, debug);
        else link.close();
      },
      config.detection,
    );
    try {
      for (let p = 0; p < m; p++) {
        const member = members[k + p];
        const link = await connectPeer(
          member.host,
          member.peerPort,
          { group, index, role: "data" },
          { group, index: k + p, role: "parity" },
          (type, payload) => {
            if (type === CocytusFrame.Ack) dataProcess.onAck(p, decodeTimestamp(payload, "cocytus ack"));
            else started?.onOtherFrame?.(p, type, payload);
          },
          { deadlineMs: config.connectDeadlineMs, detection: config.detection },
        );
        link.onDown((reason) => {
          log(`cocytus data ${group}/${index}: parity process ${k + p} is down (${reason}); going on without it`);
          dataProcess.onParityDown(p);
          started?.onParityLinkDown?.(p);
        });
        links.push(link);
      }
    } catch (error) {
      for (const link of links) link.close();
      peerServer.close();
      throw error;
    }
    started = new DataMember(dataProcess, links, batches, peerServer);
    return started;
  }

  /** Sends a frame on parity process j's link, behind everything sent there before (false when it is down). */
  sendToParity(parity: number, type: number, payload: Uint8Array): boolean {
    flushBatch(this.links[parity], this.batches[parity]);
    return this.links[parity].send(type, payload);
  }

  close(): void {
    for (const link of this.links) link.close();
    this.peerServer.close();
  }
}
