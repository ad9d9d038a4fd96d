/**
 * The parity process (PP_j) of a Cocytus group, as a state machine without network.
 *
 * For every data process i it keeps RVT[i] (the latest received request's timestamp), SVT[i]
 * (the latest one applied), the requests received but not yet applied (the buffer), and a
 * metadata replica of DP_i (a Store whose data area is never touched: item records and allocation,
 * without a key table: each Update names the record it concerns).
 * Its parity area holds parity row j at the same offsets as the data areas.
 *
 * Handling a SET-class request (the slides' steps 3 and 5):
 *  3. on an Update: buffer it, RVT[i] = ts, acknowledge RVT[i];
 *  5. on a commit for ts (a Commit frame, or the stable timestamp an Update carries): apply the
 *     buffered requests of DP_i up to ts in order: metadata change into the replica,
 *     parity ^= coef(j, i) · diff through the codec, SVT[i] = ts.
 *
 * An Update names the key's record in the replica by ref, or, when DP_i sent it while an earlier
 * write of the key was in flight, by that write's ts: the record is then the one that write left,
 * which this process notes when it applies that write (recordsAfter) and hands on.
 */
import type { ErasureCodec, ParityPatch } from "../codec/codec.ts";
import type { DataArea, Store } from "../store/index.ts";
import { applyChangeToReplica, ChangeKind } from "./change.ts";
import type { UpdateMessage } from "./messages.ts";
import { forEachPagePiece } from "./page-pieces.ts";
import { UpdateLog } from "./update-log.ts";

export interface ParityProcessOptions {
  /** This process's parity row j (0..m-1); its group index is k + j. */
  parityIndex: number;
  k: number;
  codec: ErasureCodec;
  /** One metadata replica per data process. */
  replicas: Store[];
  parityArea: DataArea;
}

export class ParityProcess {
  /** Per data process: timestamp of the latest received request. */
  readonly RVT: Float64Array;
  /** Per data process: timestamp of the latest applied (stable) request. */
  readonly SVT: Float64Array;
  readonly parityIndex: number;
  readonly k: number;
  readonly replicas: Store[];
  readonly parityArea: DataArea;
  private readonly codec: ErasureCodec;
  /** Per data process: received, not yet applied requests, in ts order. */
  private readonly buffers: UpdateLog[];
  /** Per data process: timestamps of buffered writes whose resulting record a later Update names. */
  private readonly recordsWanted: Set<number>[];
  /** Per data process: the key's record each such write left (ts → ref, -1 for none), until taken. */
  private readonly recordsAfter: Map<number, number>[];
  /** Parity work of an asynchronous codec, chained so that SVT only moves forward. */
  private parityWork: Promise<void> = Promise.resolve();
  /** Recovery: while holds[i] > 0, DP_i's commits are remembered (heldStable[i]), not applied. */
  private readonly holds: Int32Array;
  private readonly heldStable: Float64Array;
  /**
   * Recovery: hostedMetadata[i] is true once DP_i runs inside this process (the recovery leader
   * serves its keys) with replicas[i] as its own store: its commits then patch parity only.
   */
  readonly hostedMetadata: boolean[];

  constructor(options: ParityProcessOptions) {
    const { k, replicas } = options;
    if (replicas.length !== k) throw new RangeError(`ParityProcess: expected ${k} metadata replicas (one per data process), found ${replicas.length}`);
    this.parityIndex = options.parityIndex;
    this.k = k;
    this.codec = options.codec;
    this.replicas = replicas;
    this.parityArea = options.parityArea;
    this.RVT = new Float64Array(k);
    this.SVT = new Float64Array(k);
    this.buffers = Array.from({ length: k }, () => new UpdateLog());
    this.recordsWanted = Array.from({ length: k }, () => new Set<number>());
    this.recordsAfter = Array.from({ length: k }, () => new Map<number, number>());
    this.holds = new Int32Array(k);
    this.heldStable = new Float64Array(k);
    this.hostedMetadata = new Array<boolean>(k).fill(false);
  }

  /** Requests of DP_i received and not yet applied. */
  bufferedCount(dataIndex: number): number {
    return this.buffers[dataIndex].length;
  }

  /**
   * Step 3: an Update from DP_i (the payload is copied into DP_i's log; the caller's buffer may be
   * reused). Applies the commit it carries. Returns RVT[i], to acknowledge.
   * Throws when the timestamp is not the next one: the FIFO channel lost or reordered a request.
   */
  onUpdate(dataIndex: number, payload: Buffer): number {
    const expected = this.RVT[dataIndex] + 1;
    const ts = payload.length >= 8 ? payload.readDoubleBE(0) : NaN;
    if (ts !== expected) {
      throw new Error(`cocytus parity ${this.parityIndex}: expected request ts ${expected} from data process ${dataIndex}, found ${payload.length >= 8 ? ts : "a payload too short for one"}`);
    }
    const update = this.buffers[dataIndex].append(payload);
    if (update.recordAfter > 0 && !this.hostedMetadata[dataIndex]) this.recordsWanted[dataIndex].add(update.recordAfter);
    this.RVT[dataIndex] = ts;
    this.onCommit(dataIndex, update.stable);
    return ts;
  }

  /** Step 5: DP_i completed every request up to `stable`; apply the buffered ones up to it, in order. */
  onCommit(dataIndex: number, stable: number): void {
    if (this.holds[dataIndex] > 0) {
      if (stable > this.heldStable[dataIndex]) this.heldStable[dataIndex] = stable;
      return;
    }
    const buffer = this.buffers[dataIndex];
    if (buffer.length === 0 || buffer.peek()!.ts > stable) return;
    const replica = this.replicas[dataIndex];
    const patches: ParityPatch[] = [];
    let applied = 0;
    while (buffer.length > 0 && buffer.peek()!.ts <= stable) {
      const update = buffer.shift() as UpdateMessage;
      if (!this.hostedMetadata[dataIndex]) this.applyMetadata(dataIndex, replica, update);
      if (update.change.kind === ChangeKind.Put) this.collectPatches(dataIndex, update, patches);
      applied = update.ts;
    }
    const pending = this.codec.applyDeltas(this.parityIndex, patches);
    if (pending === undefined) {
      this.SVT[dataIndex] = applied;
      return;
    }
    this.parityWork = this.parityWork.then(() => pending).then(() => {
      this.SVT[dataIndex] = applied;
    });
  }

  /** Recovery: DP_i's received, not yet applied requests, oldest first (do not modify). */
  buffered(dataIndex: number): readonly UpdateMessage[] {
    return this.buffers[dataIndex].toArray();
  }

  /** Recovery: DP_i's commits are remembered, not applied, until the matching releaseCommits (holds nest). */
  holdCommits(dataIndex: number): void {
    this.holds[dataIndex]++;
  }

  /** Recovery: ends one hold; when the last one ends, the commits that arrived meanwhile are applied. */
  releaseCommits(dataIndex: number): void {
    if (this.holds[dataIndex] === 0) throw new Error(`cocytus parity ${this.parityIndex}: released the commits of data process ${dataIndex} more often than held`);
    if (--this.holds[dataIndex] === 0) this.onCommit(dataIndex, this.heldStable[dataIndex]);
  }

  /**
   * Recovery's preparation for a failed DP_i: applies its buffered requests up to syncTs (the
   * synchronized stable timestamp) and drops the rest (never acknowledged to a client); RVT[i] = syncTs.
   */
  synchronize(dataIndex: number, syncTs: number): void {
    if (syncTs > this.RVT[dataIndex]) {
      throw new Error(`cocytus parity ${this.parityIndex}: a synchronized timestamp for data process ${dataIndex} must be at most RVT ${this.RVT[dataIndex]}, found ${syncTs}`);
    }
    this.holds[dataIndex] = 0;
    this.heldStable[dataIndex] = 0;
    this.onCommit(dataIndex, syncTs);
    this.buffers[dataIndex].clear();
    this.recordsWanted[dataIndex].clear();
    this.recordsAfter[dataIndex].clear();
    this.RVT[dataIndex] = syncTs;
  }

  /** Bytes of the request buffers' rings (for accounting). */
  get bufferBytes(): number {
    return this.buffers.reduce((sum, log) => sum + log.capacityBytes, 0);
  }

  /** Resolves once the parity of every applied request is in the parity area. */
  settled(): Promise<void> {
    return this.parityWork;
  }

  /** The Update's metadata change into DP_i's replica, at the record it names. */
  private applyMetadata(dataIndex: number, replica: Store, update: UpdateMessage): void {
    let record = update.record;
    if (update.recordAfter > 0) {
      const left = this.recordsAfter[dataIndex].get(update.recordAfter);
      if (left === undefined) {
        throw new Error(`cocytus parity ${this.parityIndex}: update ${update.ts} of data process ${dataIndex} names the record write ${update.recordAfter} left, which was not applied here`);
      }
      this.recordsAfter[dataIndex].delete(update.recordAfter);
      record = left;
    }
    const after = applyChangeToReplica(replica, update.change, record);
    if (this.recordsWanted[dataIndex].delete(update.ts)) this.recordsAfter[dataIndex].set(update.ts, after);
  }

  /** Splits a Put's diff at page boundaries into patches of this process's parity pages. */
  private collectPatches(dataIndex: number, update: UpdateMessage, patches: ParityPatch[]): void {
    forEachPagePiece(update.change.offset, update.diff, (pageNo, pageOffset, diff) => {
      patches.push({ dataIndex, pageOffset, diff, parityPage: this.parityArea.pageView(pageNo) });
    });
  }
}
