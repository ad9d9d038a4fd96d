/**
 * The recovery leader's online repair: rebuilds the data areas of the hosted (failed) data
 * processes in batches of 4 KiB pages. Pages a request waits for go first; the rest follow in
 * the background, one background batch at a time (the next one starts as soon as the previous
 * one's snapshots are in, so transfer and decoding overlap, and every hold on a provider's
 * commits ends between batches).
 *
 * A batch is a set of pages with the same lost data indices L (hosted processes whose page is not
 * repaired yet). Its providers are all other data indices (an original data process, or a hosted
 * one whose page is repaired); it needs |L| parity processes, the leader first. The protocol
 * (working-copies.ts): open working copies at those parity processes, then ask every provider
 * for a snapshot (page and ST in one step, sent to every participant on its FIFO channel, the
 * bytes to the leader only), gather the copies, decode, install the pages.
 */
import { PAGE_SIZE, type ErasureCodec } from "../../codec/codec.ts";
import { decodePages } from "./decode-pages.ts";
import type { SnapshotRequest } from "./frames.ts";
import type { HostedDataProcess, PageRepairQueue } from "./hosted-data.ts";
import type { WorkingCopies } from "./working-copies.ts";

/** How the leader reaches the batch's other participants. */
export interface RepairParticipants {
  /** The leader's own parity index (0..m-1). */
  readonly localParity: number;
  /** Live parity processes other than the leader, in index order. */
  liveFollowers(): number[];
  /** Whether the original data process d is reachable. */
  dataUp(dataIndex: number): boolean;
  /** Opens working copies at follower q; resolves once made there. */
  openRemote(parity: number, batch: number, pages: number[], providers: number[]): Promise<void>;
  /** Follower q's working copies of the batch, when complete (call before openRemote). */
  remoteCopies(parity: number, batch: number): Promise<Buffer>;
  abortRemote(parity: number, batch: number): void;
  /** Asks original data process d for a snapshot. */
  requestSnapshot(dataIndex: number, request: SnapshotRequest): void;
}

export interface RepairTuning {
  /** Pages per batch (default 256: 1 MiB per snapshot frame; larger batches spread the per-batch round trips, measured in recovery.bench.ts). */
  batchPages?: number;
}

export interface RepairProgress {
  pagesRepaired: number;
  bytesRepaired: number;
  /** ms timestamps of the first batch started and of the last page of the last area installed (0 while running). */
  startedAt: number;
  finishedAt: number;
  batches: number;
  abortedBatches: number;
}

interface Batch {
  id: number;
  pages: number[];
  lost: number[];
  providers: number[];
  parities: number[];
  background: boolean;
}

export class PageRepairer implements PageRepairQueue {
  readonly progress: RepairProgress = { pagesRepaired: 0, bytesRepaired: 0, startedAt: 0, finishedAt: 0, batches: 0, abortedBatches: 0 };
  private readonly hosted = new Map<number, HostedDataProcess>();
  /** Per hosted data index: the pages to repair in background order, and how far the scan got. */
  private readonly todo = new Map<number, { pages: number[]; cursor: number }>();
  private readonly urgent: { dataIndex: number; pageNo: number }[] = [];
  private readonly pagesInFlight = new Set<number>();
  private readonly batches = new Map<number, Batch>();
  /** The background batch whose snapshots are not all in yet, if any. */
  private backgroundBatch: number | null = null;
  private pauses = 0;
  private nextBatch = 1;
  private pumpScheduled = false;
  private stopped = false;
  private readonly batchPages: number;
  private readonly completeWaiters: (() => void)[] = [];

  constructor(
    private readonly codec: ErasureCodec,
    private readonly copies: WorkingCopies,
    private readonly participants: RepairParticipants,
    private readonly log: (line: string) => void,
    tuning: RepairTuning = {},
  ) {
    this.batchPages = tuning.batchPages ?? 256;
  }

  /** Starts repairing a hosted process's area (pagesToRepair: the pages not known to be zero). */
  add(hosted: HostedDataProcess, pagesToRepair: number[]): void {
    this.hosted.set(hosted.dataIndex, hosted);
    this.todo.set(hosted.dataIndex, { pages: [...pagesToRepair].sort((a, b) => a - b), cursor: 0 });
    if (this.progress.startedAt === 0 || this.progress.finishedAt !== 0) {
      this.progress.startedAt = Date.now();
      this.progress.finishedAt = 0;
    }
    this.schedule();
  }

  get complete(): boolean {
    for (const hosted of this.hosted.values()) if (!hosted.complete) return false;
    return true;
  }

  /** Resolves once every hosted area is repaired. */
  whenComplete(): Promise<void> {
    if (this.complete) return Promise.resolve();
    return new Promise((resolve) => this.completeWaiters.push(resolve));
  }

  prioritize(dataIndex: number, pages: number[]): void {
    for (const pageNo of pages) this.urgent.push({ dataIndex, pageNo });
    this.schedule();
  }

  /** No new batch starts until resume (a preparation is under way: the providers are changing). */
  pause(): void {
    this.pauses++;
  }

  resume(): void {
    this.pauses--;
    this.schedule();
  }

  /** Aborts the batches that wait for data process d's snapshot or for parity process q. */
  abortInvolving(who: { dataIndex?: number; parity?: number }, reason: string): void {
    for (const batch of [...this.batches.values()]) {
      if ((who.dataIndex !== undefined && batch.providers.includes(who.dataIndex)) || (who.parity !== undefined && batch.parities.includes(who.parity))) {
        this.abort(batch, reason);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const batch of [...this.batches.values()]) this.abort(batch, "the leader stopped");
  }

  private schedule(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Starts an urgent batch for the pages requests wait for, and a background batch if none runs. */
  private pump(): void {
    if (this.stopped || this.pauses > 0) return;
    const urgent = this.urgent.splice(0).filter(({ dataIndex, pageNo }) => this.needsRepair(dataIndex, pageNo));
    if (urgent.length > 0) this.startBatches(urgent.map((u) => u.pageNo), false);
    if (this.backgroundBatch === null) {
      const pages = this.nextBackgroundPages();
      if (pages.length > 0) this.startBatches(pages, true);
    }
  }

  private needsRepair(dataIndex: number, pageNo: number): boolean {
    const hosted = this.hosted.get(dataIndex);
    return hosted !== undefined && !hosted.isRepaired(pageNo) && !this.pagesInFlight.has(pageNo);
  }

  /** Up to batchPages pages still to repair in some hosted area and not in flight, in page order per area. */
  private nextBackgroundPages(): number[] {
    const pages: number[] = [];
    for (const [dataIndex, list] of this.todo) {
      while (list.cursor < list.pages.length && pages.length < this.batchPages) {
        const pageNo = list.pages[list.cursor];
        if (!this.needsRepair(dataIndex, pageNo)) {
          list.cursor++;
          continue;
        }
        if (!pages.includes(pageNo)) pages.push(pageNo);
        list.cursor++;
      }
      if (pages.length >= this.batchPages) break;
    }
    return pages;
  }

  /** Groups the pages by their lost set and starts one batch per group (in chunks of batchPages). */
  private startBatches(pages: number[], background: boolean): void {
    const groups = new Map<string, { lost: number[]; pages: number[] }>();
    for (const pageNo of new Set(pages)) {
      if (this.pagesInFlight.has(pageNo)) continue;
      const lost = [...this.hosted.values()].filter((h) => !h.isRepaired(pageNo)).map((h) => h.dataIndex).sort((a, b) => a - b);
      if (lost.length === 0) continue;
      const key = lost.join(",");
      const group = groups.get(key) ?? { lost, pages: [] };
      group.pages.push(pageNo);
      groups.set(key, group);
    }
    for (const { lost, pages: groupPages } of groups.values()) {
      for (let first = 0; first < groupPages.length; first += this.batchPages) {
        const batchPages = groupPages.slice(first, first + this.batchPages);
        if (!this.startBatch(batchPages, lost, background)) {
          // Not repairable now (a provider or parity is missing): try again on the next change.
          if (background) for (const list of this.todo.values()) list.cursor = 0;
          else for (const d of lost) for (const pageNo of groupPages.slice(first)) this.urgent.push({ dataIndex: d, pageNo });
          break;
        }
      }
    }
  }

  private startBatch(pages: number[], lost: number[], background: boolean): boolean {
    const { k } = this.codec;
    const providers: number[] = [];
    for (let d = 0; d < k; d++) {
      if (lost.includes(d)) continue;
      if (!this.hosted.has(d) && !this.participants.dataUp(d)) return false;
      providers.push(d);
    }
    const parities = [this.participants.localParity, ...this.participants.liveFollowers()].slice(0, lost.length);
    if (parities.length < lost.length) {
      this.log(`cocytus recovery: cannot repair pages of data processes ${lost.join(", ")}: ${lost.length} are lost and only ${parities.length} parity processes live (more than m members lost)`);
      return false;
    }
    const batch: Batch = { id: this.nextBatch++, pages, lost, providers, parities, background };
    this.batches.set(batch.id, batch);
    for (const pageNo of pages) this.pagesInFlight.add(pageNo);
    if (background) this.backgroundBatch = batch.id;
    this.progress.batches++;
    this.run(batch).catch((error: Error) => {
      if (this.batches.has(batch.id)) this.abort(batch, error.message);
    });
    return true;
  }

  private async run(batch: Batch): Promise<void> {
    const { id, pages, providers, parities } = batch;
    const local = this.participants.localParity;
    const remote = parities.filter((q) => q !== local);
    const opened = this.copies.open(id, pages, providers);
    const remoteCopies = remote.map((q) => this.participants.remoteCopies(q, id));
    for (const copies of remoteCopies) copies.catch(() => {});
    await Promise.all([opened.copied, ...remote.map((q) => this.participants.openRemote(q, id, pages, providers))]);
    if (!this.batches.has(id)) return;
    const request: SnapshotRequest = { batch: id, targets: parities, bytesTo: local, pages };
    for (const d of providers) {
      const hosted = this.hosted.get(d);
      if (hosted !== undefined) hosted.answerSnapshot(request);
      else this.participants.requestSnapshot(d, request);
    }
    const [atLeader, ...atFollowers] = await Promise.all([opened.result, ...remoteCopies]);
    if (!this.batches.has(id)) return;
    // Every snapshot is in and every hold released: the next background batch may start.
    if (this.backgroundBatch === id) {
      this.backgroundBatch = null;
      this.schedule();
    }
    const parity = new Map<number, Buffer>([[local, atLeader.copies]]);
    remote.forEach((q, n) => parity.set(q, atFollowers[n]));
    const decoded = await decodePages(this.codec, { pageCount: pages.length, data: atLeader.snapshots, parity }, batch.lost);
    if (!this.batches.has(id)) return;
    this.finish(batch);
    for (const [d, bytes] of decoded) {
      this.hosted.get(d)?.install(pages, bytes);
      this.progress.pagesRepaired += pages.length;
      this.progress.bytesRepaired += pages.length * PAGE_SIZE;
    }
    if (this.complete && this.progress.finishedAt === 0) {
      this.progress.finishedAt = Date.now();
      for (const wake of this.completeWaiters.splice(0)) wake();
    }
  }

  private finish(batch: Batch): void {
    this.batches.delete(batch.id);
    for (const pageNo of batch.pages) this.pagesInFlight.delete(pageNo);
    if (this.backgroundBatch === batch.id) this.backgroundBatch = null;
    this.schedule();
  }

  private abort(batch: Batch, reason: string): void {
    if (!this.batches.has(batch.id)) return;
    this.progress.abortedBatches++;
    this.log(`cocytus recovery: repair batch ${batch.id} (${batch.pages.length} pages) aborted: ${reason}`);
    this.copies.abort(batch.id, reason);
    for (const q of batch.parities) if (q !== this.participants.localParity) this.participants.abortRemote(q, batch.id);
    // Its pages go back: requests waiting for them ask again through the urgent list.
    for (const d of batch.lost) for (const pageNo of batch.pages) this.urgent.push({ dataIndex: d, pageNo });
    if (batch.background) for (const list of this.todo.values()) list.cursor = 0;
    this.finish(batch);
  }
}
