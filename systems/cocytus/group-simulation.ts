/**
 * A Cocytus group in one process without network, for tests of the protocol logic: k data
 * processes and m parity processes joined by FIFO channels that the test drains explicitly, so
 * it can hold back, reorder across channels, or drop messages and look at every state in between.
 */
import { PAGE_SIZE, type ErasureCodec } from "../codec/codec.ts";
import { DataArea, Store } from "../store/index.ts";
import type { Mutation, Op } from "../protocol/backend.ts";
import { DataProcess } from "./data-process.ts";
import { CocytusFrame, decodeTimestamp, encodeTimestamp } from "./messages.ts";
import { describeMetadata } from "./metadata-dump.ts";
import { ParityProcess } from "./parity-process.ts";

interface Frame {
  type: number;
  payload: Buffer;
}

export interface SimulatedGroupOptions {
  k: number;
  m: number;
  codec: ErasureCodec;
  memoryBytes?: number;
  /** The stores' class homes (StoreTuning.classHomes, default true). */
  classHomes?: boolean;
}

/** A protocol Mutation with memcached's defaults, for tests. */
export function mutation(op: Op, key: string, fields: Partial<Omit<Mutation, "op" | "key">> = {}): Mutation {
  return {
    op,
    key: Buffer.from(key, "latin1"),
    value: Buffer.alloc(0),
    flags: 0,
    exptime: 0,
    cas: 0,
    delta: 0n,
    now: Math.floor(Date.now() / 1000),
    noreply: false,
    ...fields,
  };
}

/** A reply that may come later: `text` is set once it does. */
export interface ReplySlot {
  text: string | undefined;
}

export class SimulatedGroup {
  readonly k: number;
  readonly m: number;
  readonly codec: ErasureCodec;
  readonly dataProcesses: DataProcess[] = [];
  readonly parityProcesses: ParityProcess[] = [];
  /** toParity[i][j]: frames from DP_i to PP_j, oldest first. */
  readonly toParity: Frame[][][];
  /** toData[i][j]: acknowledgements (RVT[i]) from PP_j to DP_i, oldest first. */
  readonly toData: number[][][];
  private readonly deferred: (() => void)[] = [];
  /** Pending acks, batched per (i, j) like a server does at the end of an event-loop turn. */
  private readonly ackDue = new Set<string>();

  constructor(options: SimulatedGroupOptions) {
    const { k, m, codec } = options;
    const memoryBytes = options.memoryBytes ?? 8 * 1024 * 1024;
    const classHomes = options.classHomes;
    this.k = k;
    this.m = m;
    this.codec = codec;
    this.toParity = Array.from({ length: k }, () => Array.from({ length: m }, () => []));
    this.toData = Array.from({ length: k }, () => Array.from({ length: m }, () => []));
    for (let i = 0; i < k; i++) {
      this.dataProcesses.push(
        new DataProcess({
          index: i,
          m,
          store: new Store({ memoryBytes, classHomes }),
          links: {
            sendUpdate: (j, payload) => this.toParity[i][j].push({ type: CocytusFrame.Update, payload: Buffer.from(payload) }),
            sendCommit: (j, stable) => this.toParity[i][j].push({ type: CocytusFrame.Commit, payload: encodeTimestamp(stable) }),
            defer: (fn) => this.deferred.push(fn),
          },
        }),
      );
    }
    for (let j = 0; j < m; j++) {
      this.parityProcesses.push(
        new ParityProcess({
          parityIndex: j,
          k,
          codec,
          replicas: Array.from({ length: k }, () => new Store({ memoryBytes, classHomes, keyTable: false })),
          parityArea: new DataArea({ capacityBytes: memoryBytes }),
        }),
      );
    }
  }

  /** Executes a mutation at DP_i; the slot gets the reply text when it comes (after a microtask turn). */
  execute(i: number, m: Mutation): ReplySlot {
    const slot: ReplySlot = { text: undefined };
    void Promise.resolve(this.dataProcesses[i].execute(m)).then((reply) => (slot.text = reply.toString("latin1").trimEnd()));
    return slot;
  }

  /** Delivers up to `count` frames from DP_i to PP_j; PP_j's acks are queued at the end of the batch. */
  deliverToParity(i: number, j: number, count = Infinity): number {
    const channel = this.toParity[i][j];
    let delivered = 0;
    while (channel.length > 0 && delivered < count) {
      const frame = channel.shift() as Frame;
      const parity = this.parityProcesses[j];
      if (frame.type === CocytusFrame.Update) {
        parity.onUpdate(i, frame.payload);
        this.ackDue.add(`${i},${j}`);
      } else {
        parity.onCommit(i, decodeTimestamp(frame.payload, "commit"));
      }
      delivered++;
    }
    this.flushAcks();
    return delivered;
  }

  /** Delivers every acknowledgement from PP_j to DP_i. */
  deliverToData(i: number, j: number): number {
    const channel = this.toData[i][j];
    const count = channel.length;
    for (const ts of channel.splice(0)) this.dataProcesses[i].onAck(j, ts);
    return count;
  }

  /** Runs the work deferred to the end of the event-loop turn (commits going out alone). */
  runDeferred(): number {
    const work = this.deferred.splice(0);
    for (const fn of work) fn();
    return work.length;
  }

  /** Delivers everything, in rounds, until no frame is left anywhere. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      let moved = this.runDeferred();
      for (let i = 0; i < this.k; i++) {
        for (let j = 0; j < this.m; j++) moved += this.deliverToParity(i, j) + this.deliverToData(i, j);
      }
      if (moved === 0) return;
    }
    throw new Error("SimulatedGroup.settle: still moving after 10000 rounds");
  }

  /**
   * Parity pages that differ from the encoding of the group's data pages, over every page any
   * member touched: [] when the group is consistent.
   */
  async inconsistentPages(): Promise<string[]> {
    await Promise.all(this.parityProcesses.map((p) => p.settled()));
    const pages = new Set<number>();
    const areas = [...this.dataProcesses.map((d) => d.store.dataArea), ...this.parityProcesses.map((p) => p.parityArea)];
    for (const area of areas) for (const [first, end] of area.touchedPageRanges()) for (let p = first; p < end; p++) pages.add(p);
    const bad: string[] = [];
    for (const pageNo of [...pages].sort((a, b) => a - b)) {
      const data = this.dataProcesses.map((d) => new Uint8Array(d.store.dataArea.view(pageNo * PAGE_SIZE, PAGE_SIZE)));
      const expected = await this.codec.encode(data);
      this.parityProcesses.forEach((p, j) => {
        if (!Buffer.from(p.parityArea.view(pageNo * PAGE_SIZE, PAGE_SIZE)).equals(expected[j])) bad.push(`page ${pageNo} parity ${j}`);
      });
    }
    return bad;
  }

  /** Metadata replicas that differ from their data process's index and allocation: [] when consistent. */
  replicaMismatches(): string[] {
    const bad: string[] = [];
    this.dataProcesses.forEach((data, i) => {
      const expected = JSON.stringify(describeMetadata(data.store));
      this.parityProcesses.forEach((parity, j) => {
        if (JSON.stringify(describeMetadata(parity.replicas[i])) !== expected) bad.push(`replica of data ${i} at parity ${j}`);
      });
    });
    return bad;
  }

  private flushAcks(): void {
    for (const due of this.ackDue) {
      const [i, j] = due.split(",").map(Number);
      this.toData[i][j].push(this.parityProcesses[j].RVT[i]);
    }
    this.ackDue.clear();
  }
}
