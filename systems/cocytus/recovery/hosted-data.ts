/**
 * A failed data process DP_i, run again inside the recovery leader (a parity process), as the
 * original Cocytus does: a DataProcess over the leader's metadata replica of DP_i (records and
 * allocation, exactly as DP_i had them at the synchronized timestamp, with the key table built
 * from the records when hosting starts) whose data area is rebuilt
 * page by page by the repair. It carries on the protocol from the synchronized timestamp
 * (RT = ST = syncTs): its Updates go to the leader's own parity process through an in-process
 * FIFO channel and to the other live parity processes over peer links it dials as "data i".
 *
 * Online mode: a request waits only for the pages it touches; they are repaired first. A read
 * needs the key's region; a write also needs the region it will write, which it finds by
 * planning the write on committed state without making it (the allocator's state is canonical,
 * so reserving and releasing a region leaves it as it was). Planning and executing happen in
 * one synchronous step, and writes to one key run one after another, so the region a write
 * finally gets is the one its pages were repaired for. Blocked mode: every request waits until
 * the whole area is repaired (the paper's comparison).
 */
import { PAGE_SIZE } from "../../codec/codec.ts";
import { connectPeer, type PeerLink } from "../../peer/index.ts";
import type { Mutation } from "../../protocol/backend.ts";
import { Op } from "../../protocol/backend.ts";
import { executeMutation } from "../../protocol/semantics.ts";
import { ChangeKind } from "../change.ts";
import { DataProcess } from "../data-process.ts";
import type { GroupConfig } from "../group-config.ts";
import { CocytusFrame, decodeTimestamp, encodeTimestamp } from "../messages.ts";
import type { ParityProcess } from "../parity-process.ts";
import { PlannedWrite } from "../planned-write.ts";
import { decodePageSnapshot, RecoveryFrame, type SnapshotRequest } from "./frames.ts";
import { answerSnapshotRequest } from "./page-snapshot.ts";

export type RecoveryMode = "online" | "blocked";

/** What a hosted data process asks of the leader's repair. */
export interface PageRepairQueue {
  /** Puts pages of data index d at the front of the repair (they are needed by a request). */
  prioritize(dataIndex: number, pages: number[]): void;
}

export interface HostedDataOptions {
  config: GroupConfig;
  dataIndex: number;
  /** The synchronized stable timestamp of the preparation. */
  syncTs: number;
  /** This (the leader's) parity process. */
  parityProcess: ParityProcess;
  /** Parity indices (0..m-1) of the other live parity processes, to dial. */
  remoteParities: number[];
  /** Pages DP_i may hold non-zero bytes in (the others are zero and count repaired at once). */
  pagesToRepair: number[];
  itemSize: number;
  mode: RecoveryMode;
  repair: PageRepairQueue;
  /** A page snapshot this process sent to its own parity process (through the local channel). */
  onLocalSnapshot(batch: number, dataIndex: number, stable: number, bytes: Buffer): void;
  /** Counts a request that had to wait for repair. */
  onWait(): void;
  log(line: string): void;
}

interface LocalFrame {
  type: number;
  payload: Buffer;
}

export class HostedDataProcess {
  readonly dataIndex: number;
  readonly dataProcess: DataProcess;
  readonly mode: RecoveryMode;
  /** Per page of the area: 1 once its bytes are DP_i's (repaired, or known zero). */
  private readonly repaired: Uint8Array;
  private remaining: number;
  private readonly pageWaiters = new Map<number, (() => void)[]>();
  private readonly completeWaiters: (() => void)[] = [];
  private readonly links: (PeerLink | undefined)[];
  private readonly local: LocalFrame[] = [];
  private localScheduled = false;
  /** Per key: the last write handed to the data process (writes to one key run one after another). */
  private readonly keyTails = new Map<string, Promise<unknown>>();
  private flushTail: Promise<unknown> | null = null;
  private closed = false;

  private constructor(private readonly options: HostedDataOptions) {
    const { config, dataIndex, parityProcess } = options;
    this.dataIndex = dataIndex;
    this.mode = options.mode;
    this.links = new Array<PeerLink | undefined>(config.m);
    const store = parityProcess.replicas[dataIndex];
    // The replica kept no key table (Updates name their records); serving DP_i's keys needs one.
    store.buildIndex();
    const localParity = parityProcess.parityIndex;
    this.dataProcess = new DataProcess({
      index: dataIndex,
      m: config.m,
      store,
      itemSize: options.itemSize,
      links: {
        sendUpdate: (p, payload) => this.send(p, CocytusFrame.Update, Buffer.from(payload)),
        sendCommit: (p, stable) => this.send(p, CocytusFrame.Commit, Buffer.from(encodeTimestamp(stable))),
        defer: (fn) => setImmediate(fn),
      },
    });
    this.dataProcess.RT = options.syncTs;
    this.dataProcess.ST = options.syncTs;
    for (let p = 0; p < config.m; p++) if (p !== localParity && !options.remoteParities.includes(p)) this.dataProcess.onParityDown(p);
    this.repaired = new Uint8Array(store.dataArea.pageCount).fill(1);
    for (const pageNo of options.pagesToRepair) this.repaired[pageNo] = 0;
    this.remaining = options.pagesToRepair.length;
  }

  /** Builds the process over the replica and dials the other live parity processes as data process i. */
  static async start(options: HostedDataOptions): Promise<HostedDataProcess> {
    const hosted = new HostedDataProcess(options);
    const { config, dataIndex } = options;
    const { group, k } = config;
    await Promise.all(
      options.remoteParities.map(async (p) => {
        const member = config.members[k + p];
        try {
          const link = await connectPeer(
            member.host,
            member.peerPort,
            { group, index: dataIndex, role: "data" },
            { group, index: k + p, role: "parity" },
            (type, payload) => {
              if (type === CocytusFrame.Ack) hosted.dataProcess.onAck(p, decodeTimestamp(payload, "cocytus ack"));
            },
            { deadlineMs: 2000, detection: config.detection },
          );
          hosted.links[p] = link;
          link.onDown((reason) => {
            options.log(`cocytus recovery ${group}: hosted data process ${dataIndex} lost parity process ${k + p} (${reason})`);
            hosted.dataProcess.onParityDown(p);
          });
        } catch (error) {
          options.log(`cocytus recovery ${group}: hosted data process ${dataIndex} could not reach parity process ${k + p}: ${(error as Error).message}`);
          hosted.dataProcess.onParityDown(p);
        }
      }),
    );
    return hosted;
  }

  /** Pages still to repair. */
  get pagesRemaining(): number {
    return this.remaining;
  }

  get complete(): boolean {
    return this.remaining === 0;
  }

  isRepaired(pageNo: number): boolean {
    return this.repaired[pageNo] === 1;
  }

  /** Writes repaired pages into the area (bytes concatenated in `pages` order) and wakes what waited for them. */
  install(pages: readonly number[], bytes: Buffer): void {
    const area = this.dataProcess.store.dataArea;
    pages.forEach((pageNo, n) => {
      if (this.repaired[pageNo] === 1) return;
      area.writeRange(pageNo * PAGE_SIZE, bytes, n * PAGE_SIZE, (n + 1) * PAGE_SIZE);
      this.repaired[pageNo] = 1;
      this.remaining--;
      const waiters = this.pageWaiters.get(pageNo);
      if (waiters !== undefined) {
        this.pageWaiters.delete(pageNo);
        for (const wake of waiters) wake();
      }
    });
    if (this.remaining === 0) for (const wake of this.completeWaiters.splice(0)) wake();
  }

  /** Resolves once every page is repaired. */
  whenComplete(): Promise<void> {
    if (this.remaining === 0) return Promise.resolve();
    return new Promise((resolve) => this.completeWaiters.push(resolve));
  }

  /** Answers a snapshot request as a provider: one snapshot, on the same channels as its Updates and Commits. */
  answerSnapshot(request: SnapshotRequest): void {
    answerSnapshotRequest(this.dataProcess, request, (target, type, payload) => this.send(target, type, payload));
  }

  /** The read gate: undefined when the key's pages are repaired, else a Promise that settles once they are. */
  beforeRead(key: Buffer): Promise<void> | undefined {
    if (this.mode === "blocked" && !this.complete) return this.waitFor(this.whenComplete());
    const missing = this.missingPages(this.currentRegionPages(key));
    return missing.length === 0 ? undefined : this.waitFor(this.pagesRepaired(missing));
  }

  /** A write with memcached's semantics; waits for the pages it touches (online) or the whole area (blocked). */
  execute(m: Mutation): Buffer | Promise<Buffer> {
    if (this.complete && this.keyTails.size === 0 && this.flushTail === null) return this.dataProcess.execute(m);
    const request: Mutation = { ...m };
    if (m.op === Op.FlushAll) {
      // Every region is touched by flush_all's later writes: it waits for the whole area.
      const run = (this.flushTail ?? Promise.resolve()).then(() => this.waitFor(this.whenComplete())).then(() => this.dataProcess.execute(request));
      this.flushTail = run;
      void run.finally(() => {
        if (this.flushTail === run) this.flushTail = null;
      }).catch(() => {});
      return run;
    }
    const keyId = request.key.toString("latin1");
    const before = [this.keyTails.get(keyId), this.flushTail].filter((p): p is Promise<unknown> => p !== undefined && p !== null);
    const run = Promise.all(before.map((p) => p.catch(() => undefined))).then(() => this.gatedExecute(request));
    this.keyTails.set(keyId, run);
    void run.finally(() => {
      if (this.keyTails.get(keyId) === run) this.keyTails.delete(keyId);
    }).catch(() => {});
    return run;
  }

  close(): void {
    this.closed = true;
    for (const link of this.links) link?.close();
  }

  /** Waits for the pages of the write, then executes it in the same step as the last check. */
  private async gatedExecute(m: Mutation): Promise<Buffer> {
    if (this.mode === "blocked" && !this.complete) await this.waitFor(this.whenComplete());
    let waited = false;
    for (;;) {
      if (this.closed) throw new Error("cocytus recovery: the hosted data process was closed");
      const missing = this.missingPages(this.writePages(m));
      if (missing.length === 0) return this.dataProcess.execute(m);
      if (!waited && this.mode === "online") this.options.onWait();
      waited = true;
      await this.pagesRepaired(missing);
    }
  }

  /** Pages of the key's current region and of the region the write would get (planned, not made). */
  private writePages(m: Mutation): number[] {
    const pages = this.currentRegionPages(m.key);
    if (this.missingPages(pages).length > 0) return pages; // the plan reads the current value
    const store = this.dataProcess.store;
    const plan = new PlannedWrite(store);
    executeMutation(this.dataProcess.items, m, this.options.itemSize, plan);
    const change = plan.change;
    if (change === undefined || change.kind !== ChangeKind.Put) return pages;
    const current = store.index.find(m.key);
    if (current < 0 || store.valueOffset(current) !== change.offset) store.release(change.offset, change.length);
    return pages.concat(regionPages(change.offset, change.length));
  }

  private currentRegionPages(key: Buffer): number[] {
    const store = this.dataProcess.store;
    const handle = store.index.find(key);
    return handle < 0 ? [] : regionPages(store.valueOffset(handle), store.valueLength(handle));
  }

  private missingPages(pages: readonly number[]): number[] {
    return pages.filter((pageNo) => this.repaired[pageNo] !== 1);
  }

  private pagesRepaired(pages: number[]): Promise<void> {
    this.options.repair.prioritize(this.dataIndex, pages);
    return Promise.all(
      pages.map(
        (pageNo) =>
          new Promise<void>((resolve) => {
            if (this.repaired[pageNo] === 1) return resolve();
            const waiters = this.pageWaiters.get(pageNo);
            if (waiters === undefined) this.pageWaiters.set(pageNo, [resolve]);
            else waiters.push(resolve);
          }),
      ),
    ).then(() => undefined);
  }

  private waitFor(promise: Promise<void>): Promise<void> {
    this.options.onWait();
    return promise;
  }

  /** Frames to parity process p: the local one through the in-process FIFO, the others on their links. */
  private send(p: number, type: number, payload: Buffer): void {
    if (p !== this.options.parityProcess.parityIndex) {
      this.links[p]?.send(type, payload);
      return;
    }
    this.local.push({ type, payload });
    if (this.localScheduled) return;
    this.localScheduled = true;
    setImmediate(() => this.drainLocal());
  }

  /** The local parity process takes the frames in order, then acknowledges once for the turn (as a parity member does). */
  private drainLocal(): void {
    this.localScheduled = false;
    const parity = this.options.parityProcess;
    const i = this.dataIndex;
    let updated = false;
    for (const frame of this.local.splice(0)) {
      try {
        if (frame.type === CocytusFrame.Update) {
          parity.onUpdate(i, frame.payload);
          updated = true;
        } else if (frame.type === CocytusFrame.Commit) {
          parity.onCommit(i, decodeTimestamp(frame.payload, "cocytus commit"));
        } else if (frame.type === RecoveryFrame.PageSnapshot) {
          const snapshot = decodePageSnapshot(frame.payload);
          this.options.onLocalSnapshot(snapshot.batch, i, snapshot.stable, snapshot.bytes);
        }
      } catch (error) {
        // As a parity member does with a misbehaving link: this channel stops, the process goes on.
        this.options.log(`cocytus recovery: the local channel of hosted data process ${i} failed: ${(error as Error).message}`);
        this.dataProcess.onParityDown(parity.parityIndex);
        this.local.length = 0;
        return;
      }
    }
    if (updated && !this.closed) this.dataProcess.onAck(parity.parityIndex, parity.RVT[i]);
  }
}

/** The 4 KiB pages of region [offset, offset + length). */
export function regionPages(offset: number, length: number): number[] {
  if (length === 0) return [];
  const pages: number[] = [];
  for (let pageNo = Math.floor(offset / PAGE_SIZE); pageNo <= Math.floor((offset + length - 1) / PAGE_SIZE); pageNo++) pages.push(pageNo);
  return pages;
}
