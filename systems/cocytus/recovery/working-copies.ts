/**
 * The parity process's side of online repair: working copies of parity pages brought to exactly
 * the versions of the data snapshots they are decoded with (DESIGN section 7, the recovery rule).
 *
 * Decoding page x of a lost data process needs, from every other data process d, its page x at
 * some version ST_d, and parity page x holding d's updates with ts ≤ ST_d, no more and no fewer.
 * The live parity goes on with normal traffic meanwhile, so a batch works on copies:
 *
 *  1. open: hold the commits of every provider d (they are remembered, not applied), then copy
 *     the live parity pages. From here the copy holds d's updates up to the last one applied,
 *     and every later one of d is still buffered here (a data process completes a request only
 *     after every parity process acknowledged it, so everything up to its ST has arrived);
 *  2. d's snapshot (pages at ST_d, taken in one step) arrives: patch the copy with d's buffered
 *     diffs with ts ≤ ST_d that touch the batch's pages, then release d's hold (its held commits
 *     apply to the live parity as usual);
 *  3. once every provider's snapshot is in, the copies are at exactly the snapshots' versions.
 *
 * ParityVersion exists so tests can break the rule and watch the decoded page go wrong:
 * "live" uses the live parity as it was at open (no synchronization), "received" patches every
 * buffered diff (beyond ST), "unheld" does not hold commits (commits applied meanwhile are lost
 * to the copy).
 */
import { PAGE_SIZE, type ErasureCodec, type ParityPatch } from "../../codec/codec.ts";
import { ChangeKind } from "../change.ts";
import type { ParityProcess } from "../parity-process.ts";

export type ParityVersion = "exact" | "live" | "received" | "unheld";

/** A batch's working copies once complete, with the page bytes the providers sent here. */
export interface BatchCopies {
  /** The batch's parity pages, concatenated in batch order. */
  copies: Buffer;
  /** Per provider data index: its snapshot bytes, when they were sent here (else empty). */
  snapshots: Map<number, Buffer>;
  /** Per provider data index: the ST of its snapshot. */
  stables: Map<number, number>;
}

interface OpenBatch {
  pages: number[];
  /** Page number → position in the batch. */
  positions: Map<number, number>;
  providers: number[];
  copies: Buffer | null;
  held: Set<number>;
  /** Snapshots that arrived (possibly before the copy was made). */
  arrived: Map<number, { stable: number; bytes: Buffer }>;
  applied: Set<number>;
  pendingWork: Promise<void>[];
  resolve(copies: BatchCopies): void;
  reject(error: Error): void;
  done: Promise<BatchCopies>;
}

export class WorkingCopies {
  private readonly batches = new Map<number, OpenBatch>();

  constructor(
    private readonly parity: ParityProcess,
    private readonly codec: ErasureCodec,
    readonly version: ParityVersion = "exact",
  ) {}

  /** Batches open here. */
  get openCount(): number {
    return this.batches.size;
  }

/**
   * Step 1: holds the providers' commits and copies the live parity pages. `copied` resolves once
   * the copies are made (ask for snapshots only then); `result` once every snapshot is in (step 3).
   */
  open(batch: number, pages: readonly number[], providers: readonly number[]): { copied: Promise<void>; result: Promise<BatchCopies> } {
    if (this.batches.has(batch)) throw new Error(`cocytus repair: batch ${batch} is already open at parity ${this.parity.parityIndex}`);
    let resolve!: (copies: BatchCopies) => void;
    let reject!: (error: Error) => void;
    const done = new Promise<BatchCopies>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {});
    const open: OpenBatch = {
      pages: [...pages],
      positions: new Map(pages.map((pageNo, n) => [pageNo, n])),
      providers: [...providers],
      copies: null,
      held: new Set(),
      arrived: new Map(),
      applied: new Set(),
      pendingWork: [],
      resolve,
      reject,
      done,
    };
    this.batches.set(batch, open);
    if (this.version !== "live" && this.version !== "unheld") {
      for (const d of providers) {
        this.parity.holdCommits(d);
        open.held.add(d);
      }
    }
    return { copied: this.copy(batch, open), result: done };
  }

  private async copy(batch: number, open: OpenBatch): Promise<void> {
    // An asynchronous codec may still be patching pages with commits applied before the hold.
    await this.parity.settled();
    if (this.batches.get(batch) !== open) throw new Error(`cocytus repair: batch ${batch} was aborted before its copies were made`);
    const { pages } = open;
    const area = this.parity.parityArea;
    const copies = Buffer.alloc(pages.length * PAGE_SIZE);
    pages.forEach((pageNo, n) => {
      if (area.isTouched(pageNo)) copies.set(area.pageView(pageNo), n * PAGE_SIZE);
    });
    open.copies = copies;
    for (const d of open.arrived.keys()) this.bringToSnapshot(batch, open, d);
  }

  /** Step 2: provider d's snapshot of the batch (its ST, and its bytes if they were sent here). */
  onSnapshot(batch: number, dataIndex: number, stable: number, bytes: Buffer): void {
    const open = this.batches.get(batch);
    if (open === undefined) return; // aborted meanwhile
    if (!open.providers.includes(dataIndex) || open.arrived.has(dataIndex)) {
      this.fail(batch, new Error(`cocytus repair: unexpected snapshot of batch ${batch} from data process ${dataIndex}`));
      return;
    }
    open.arrived.set(dataIndex, { stable, bytes: Buffer.from(bytes) });
    if (open.copies !== null) this.bringToSnapshot(batch, open, dataIndex);
  }

  /** Drops a batch and releases its holds (a provider or the leader failed, or the leader gave up). */
  abort(batch: number, reason: string): void {
    this.fail(batch, new Error(`cocytus repair: batch ${batch} aborted: ${reason}`));
  }

  /** Aborts every batch that waits for data process d's snapshot. */
  abortProvider(dataIndex: number, reason: string): void {
    for (const [batch, open] of [...this.batches]) {
      if (open.providers.includes(dataIndex) && !open.applied.has(dataIndex)) this.abort(batch, reason);
    }
  }

  abortAll(reason: string): void {
    for (const batch of [...this.batches.keys()]) this.abort(batch, reason);
  }

  /** Patches the copies with d's buffered diffs with ts ≤ its snapshot's ST, then releases d's hold. */
  private bringToSnapshot(batch: number, open: OpenBatch, dataIndex: number): void {
    const { stable } = open.arrived.get(dataIndex)!;
    if (this.version !== "live") {
      const limit = this.version === "received" ? Infinity : stable;
      const patches = this.patchesUpTo(open, dataIndex, limit);
      const work = this.codec.applyDeltas(this.parity.parityIndex, patches);
      if (work !== undefined) open.pendingWork.push(work);
    }
    open.applied.add(dataIndex);
    if (open.held.delete(dataIndex)) this.parity.releaseCommits(dataIndex);
    if (open.applied.size < open.providers.length) return;
    this.batches.delete(batch);
    void Promise.all(open.pendingWork).then(
      () => {
        const snapshots = new Map<number, Buffer>();
        const stables = new Map<number, number>();
        for (const [d, snapshot] of open.arrived) {
          snapshots.set(d, snapshot.bytes);
          stables.set(d, snapshot.stable);
        }
        open.resolve({ copies: open.copies!, snapshots, stables });
      },
      (error: Error) => open.reject(error),
    );
  }

  /** Patches of d's buffered Puts with ts ≤ limit, cut to the batch's pages, aimed at the copies. */
  private patchesUpTo(open: OpenBatch, dataIndex: number, limit: number): ParityPatch[] {
    const patches: ParityPatch[] = [];
    const copies = open.copies!;
    for (const update of this.parity.buffered(dataIndex)) {
      if (update.ts > limit) break;
      if (update.change.kind !== ChangeKind.Put) continue;
      const { offset } = update.change;
      const diff = update.diff;
      let done = 0;
      while (done < diff.length) {
        const at = offset + done;
        const pageNo = Math.floor(at / PAGE_SIZE);
        const pageOffset = at - pageNo * PAGE_SIZE;
        const piece = Math.min(diff.length - done, PAGE_SIZE - pageOffset);
        const position = open.positions.get(pageNo);
        if (position !== undefined) {
          patches.push({ dataIndex, pageOffset, diff: diff.subarray(done, done + piece), parityPage: copies.subarray(position * PAGE_SIZE, (position + 1) * PAGE_SIZE) });
        }
        done += piece;
      }
    }
    return patches;
  }

  private fail(batch: number, error: Error): void {
    const open = this.batches.get(batch);
    if (open === undefined) return;
    this.batches.delete(batch);
    for (const d of open.held) this.parity.releaseCommits(d);
    open.held.clear();
    open.reject(error);
  }
}
