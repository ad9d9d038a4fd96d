/**
 * The data process (DP_i) of a Cocytus group, as a state machine without network: the caller
 * delivers acknowledgements and link failures, and gives it functions that send frames.
 *
 * Handling a SET-class request (the slides' steps, DESIGN section 7):
 *  1. allocate (or reuse) the region [off, off + len); diff = old bytes XOR new bytes there;
 *  2. ts = ++RT; send (ts, key, op, off, len, metadata change, diff) to every parity process;
 *  3. (each parity process buffers it, sets RVT[i] = ts and acknowledges);
 *  4. once every live parity process acknowledged ts and every earlier request completed
 *     (in-order completion): update in place (write the new bytes over the old), update the
 *     index, ST = ts, answer the client, and send a commit for ts (piggybacked on the next
 *     Update, or alone at the end of the event-loop turn);
 *  5. (each parity process applies its buffered requests up to ts and sets SVT[i] = ts).
 *
 * GET reads committed state. A write is decided against committed state overlaid with the
 * writes still in flight (PendingItems), so writes of one key pipeline like any others. The
 * region a request diffs against holds exactly its committed bytes until the request completes:
 * a region is reused in place only when no write of its key is in flight, and otherwise every
 * write gets a fresh region (free, so nothing else writes there meanwhile).
 *
 * Each Update names the key's record (its ref at this process, or the write in flight whose
 * result it will be), so a parity process's metadata replica needs no key table.
 *
 * A request's key and new value are copied at step 2 into InFlightBytes and freed at step 4, so
 * nothing here holds the caller's buffers once execute() returns: the server reads its clients'
 * input lent (see protocol/backend.ts, keepsInputViews).
 */
import { Op, type Mutation } from "../protocol/backend.ts";
import { Replies } from "../protocol/replies.ts";
import { executeMutation } from "../protocol/semantics.ts";
import type { Store } from "../store/index.ts";
import { applyChangeMetadata, ChangeKind, type Change } from "./change.ts";
import { CommittedItems } from "./committed-items.ts";
import { InFlightBytes, type InFlightBlock } from "./in-flight-bytes.ts";
import { UpdateEncoder } from "./messages.ts";
import { PendingItems, type PendingItem } from "./pending-items.ts";
import { PlannedWrite } from "./planned-write.ts";

export interface DataProcessLinks {
  /** Sends an Update payload to parity process p (0..m-1). */
  sendUpdate(parity: number, payload: Buffer): void;
  /** Sends a Commit for `stable` to parity process p. */
  sendCommit(parity: number, stable: number): void;
  /** Runs fn once the current event-loop turn's work is done (setImmediate in a server). */
  defer(fn: () => void): void;
}

export interface DataProcessOptions {
  /** This process's index i in its group (0..k-1). */
  index: number;
  /** Parity processes in the group. */
  m: number;
  store: Store;
  links: DataProcessLinks;
  /** memcached's item size limit (-I), as the protocol engine applies it (default 1 MiB). */
  itemSize?: number;
}

/** A request between step 2 and step 4. */
interface InFlight {
  ts: number;
  change: Change;
  /** Put: the new value bytes, written in place at completion (held in InFlightBytes). */
  value: Uint8Array | null;
  /** Where the request's key (and value) are held until it completes; null for flush_all. */
  held: InFlightBlock | null;
  reply: Buffer;
  resolve(reply: Buffer): void;
  keyId: string;
}

const DEFAULT_ITEM_SIZE = 1024 * 1024;
const FLUSH_KEY = "";
const EMPTY = Buffer.alloc(0);
const REMOVED: Omit<PendingItem, "writes" | "lastTs"> = { present: false, value: EMPTY, flags: 0, exptime: 0, cas: 0 };

/** A reply computed by `run` once the queue gets to it (a throw becomes a rejection, answered SERVER_ERROR). */
function later(queue: (() => void)[], run: () => Buffer | Promise<Buffer>): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    queue.push(() => {
      try {
        resolve(run());
      } catch (error) {
        reject(error);
      }
    }),
  );
}

export class DataProcess {
  /** Timestamp of the latest received SET-class request. */
  RT = 0;
  /** Timestamp of the latest stable (completed) request. */
  ST = 0;
  readonly index: number;
  readonly store: Store;
  /** What clients may read: committed items only. */
  readonly items: CommittedItems;
  /** What writes are decided against: committed items and the writes in flight. */
  private readonly planning: PendingItems;
  private readonly m: number;
  private readonly links: DataProcessLinks;
  private readonly itemSize: number;
  private readonly planned: PlannedWrite;
  /** Requests sent to the parity processes and not yet completed, in ts order. */
  private readonly inFlight: InFlight[] = [];
  /** Per parity process: the highest ts it acknowledged (its RVT[i]). */
  private readonly acked: Float64Array;
  private readonly parityLive: boolean[];
  /** While a flush_all is pending: the commands that arrived after it. */
  private barrier: (() => void)[] | null = null;
  private readonly idleWaiters: (() => void)[] = [];
  /** Keys of expired items seen by reads, to remove through the replicated path (latin1 → key). */
  private readonly expired = new Map<string, Buffer>();
  private expiryScheduled = false;
  private lastSentStable = 0;
  private commitScheduled = false;
  private readonly encoder = new UpdateEncoder();
  private readonly heldBytes = new InFlightBytes();

  constructor(options: DataProcessOptions) {
    this.index = options.index;
    this.m = options.m;
    this.store = options.store;
    this.items = new CommittedItems(options.store, (key) => this.noteExpired(key));
    this.planning = new PendingItems(this.items);
    this.planned = new PlannedWrite(options.store, (key) => this.planning.get(key.toString("latin1")) !== undefined);
    this.links = options.links;
    this.itemSize = options.itemSize ?? DEFAULT_ITEM_SIZE;
    this.acked = new Float64Array(options.m);
    this.parityLive = new Array<boolean>(options.m).fill(true);
  }

  /** Parity processes this process still sends updates to (m until a link goes down). */
  get liveParityCount(): number {
    return this.parityLive.filter(Boolean).length;
  }

  /** Requests in flight (received, not yet stable). */
  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Bytes of the blocks that hold in-flight requests' keys and values (part of the runtime's memory). */
  get requestBufferBytes(): number {
    return this.heldBytes.heldBytes;
  }

  /**
   * A SET-class command (set, add, replace, append, prepend, cas, incr, decr, touch, delete,
   * flush_all) with memcached's semantics. The reply comes at once when the command changes
   * nothing, else once it is stable. `m` may be reused by the caller after this returns.
   */
  execute(m: Mutation): Buffer | Promise<Buffer> {
    if (this.barrier !== null) {
      // The caller's buffers are not ours after this returns.
      const queued = { ...m, key: Buffer.from(m.key), value: Buffer.from(m.value) };
      return later(this.barrier, () => this.execute(queued));
    }
    if (m.op === Op.FlushAll) return this.flushAll();
    return this.dispatch(m);
  }

  /** Parity process p acknowledged every request up to ts (its RVT[i] = ts). */
  onAck(parity: number, ts: number): void {
    if (ts > this.acked[parity]) this.acked[parity] = ts;
    this.completeReady();
  }

  /** Parity process p is gone: requests no longer wait for it. */
  onParityDown(parity: number): void {
    if (!this.parityLive[parity]) return;
    this.parityLive[parity] = false;
    this.completeReady();
  }

  /** flush_all: every item goes, after every earlier request and before every later one. */
  private flushAll(): Promise<Buffer> {
    this.barrier = [];
    return new Promise((resolve) =>
      this.whenIdle(() => {
        const change: Change = { kind: ChangeKind.Flush, key: EMPTY, offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 };
        resolve(this.send(change, null, null, Replies.OK, FLUSH_KEY));
      }),
    );
  }

  /**
   * A read found an expired item: it is removed after this event-loop turn (not during the read,
   * whose handles must stay valid), as a Remove request like a delete's, unless a write of the
   * key is in flight (that write replaces or removes it anyway).
   */
  private noteExpired(key: Uint8Array): void {
    const keyId = Buffer.from(key.buffer, key.byteOffset, key.length).toString("latin1");
    if (this.expired.has(keyId) || this.planning.get(keyId) !== undefined) return;
    this.expired.set(keyId, Buffer.from(key));
    if (this.expiryScheduled) return;
    this.expiryScheduled = true;
    this.links.defer(() => {
      this.expiryScheduled = false;
      const now = Math.floor(Date.now() / 1000);
      for (const [keyId, key] of this.expired) {
        if (this.planning.get(keyId) !== undefined || this.barrier !== null) continue;
        const handle = this.store.index.find(key);
        const exptime = handle < 0 ? 0 : this.store.exptime(handle);
        if (exptime === 0 || exptime > now) continue;
        this.planning.plan(keyId, REMOVED);
        const held = this.heldBytes.hold([key]);
        const change: Change = { kind: ChangeKind.Remove, key: held.views[0], offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 };
        void this.send(change, null, held.block, Replies.NONE, keyId);
      }
      this.expired.clear();
    });
  }

  /** Decides the command against committed state and the writes in flight, and sends its change. */
  private dispatch(m: Mutation): Buffer | Promise<Buffer> {
    const planned = this.planned;
    planned.reset();
    const reply = executeMutation(this.planning, m, this.itemSize, planned);
    const change = planned.change;
    if (change === undefined) return reply;
    const keyId = m.key.toString("latin1");
    const pending = this.planning.get(keyId);
    // Step 1's bytes are held until step 4: the key, and a Put's value. A Touch of a key with
    // writes in flight holds the value it leaves planned too: the write that value came from may
    // complete (and free it) while the Touch is still in flight.
    const keep = change.kind === ChangeKind.Put ? planned.value! : change.kind === ChangeKind.Touch && pending !== undefined ? pending.value : null;
    const held = this.heldBytes.hold(keep === null ? [change.key] : [change.key, keep]);
    change.key = held.views[0];
    const value = keep === null ? null : held.views[1];
    this.planning.plan(keyId, this.stateAfter(change, value, pending));
    return this.send(change, change.kind === ChangeKind.Put ? value : null, held.block, reply, keyId);
  }

  /**
   * The key's state once `change` completes, for the writes decided after it. `value`: a Put's
   * new value, or the value a Touch of a key with writes in flight leaves (its held copy).
   */
  private stateAfter(change: Change, value: Uint8Array | null, pending: PendingItem | undefined): Omit<PendingItem, "writes" | "lastTs"> {
    if (change.kind === ChangeKind.Put) return { present: true, value: value!, flags: change.flags, exptime: change.exptime, cas: change.cas };
    if (change.kind !== ChangeKind.Touch) return REMOVED;
    if (pending !== undefined) return { ...pending, value: value!, exptime: change.exptime };
    // No write of the key in flight: its committed region is not reused in place while the Touch is.
    const handle = this.store.index.find(change.key);
    return { present: true, value: this.store.value(handle), flags: this.store.flags(handle), exptime: change.exptime, cas: this.store.cas(handle) };
  }

  /**
   * Step 2: ts = ++RT, the request goes to every live parity process. The Update carries
   * diff = old XOR new over the Put's region (step 1), computed straight into the frame, and the
   * key's record for the replicas: with an earlier write of the key in flight, that write's ts
   * (its record is not known yet), else the committed record (-1 for none, and for flush_all).
   */
  private send(change: Change, value: Uint8Array | null, held: InFlightBlock | null, reply: Buffer, keyId: string): Promise<Buffer> {
    const ts = ++this.RT;
    const pending = this.planning.get(keyId);
    const recordAfter = pending?.lastTs ?? 0;
    if (pending !== undefined) pending.lastTs = ts;
    const record = recordAfter !== 0 || change.kind === ChangeKind.Flush ? -1 : this.store.index.find(change.key);
    const old = value === null ? null : this.store.dataArea.view(change.offset, value.length);
    const payload = this.encoder.encode(ts, this.ST, change, record, recordAfter, old, value);
    this.lastSentStable = this.ST;
    for (let p = 0; p < this.m; p++) if (this.parityLive[p]) this.links.sendUpdate(p, payload);
    return new Promise((resolve) => {
      this.inFlight.push({ ts, change, value, held, reply, resolve, keyId });
      this.completeReady();
    });
  }

  /** Step 4, in ts order, for every request all live parity processes acknowledged. */
  private completeReady(): void {
    let acknowledged = Infinity;
    for (let p = 0; p < this.m; p++) if (this.parityLive[p] && this.acked[p] < acknowledged) acknowledged = this.acked[p];
    while (this.inFlight.length > 0 && this.inFlight[0].ts <= acknowledged) {
      this.complete(this.inFlight.shift() as InFlight);
    }
  }

  /** Update in place, update the index, ST = ts, answer. */
  private complete(request: InFlight): void {
    const { change, value } = request;
    if (value !== null) this.store.dataArea.write(change.offset, value);
    const published = applyChangeMetadata(this.store, change);
    this.ST = request.ts;
    this.planning.completed(request.keyId);
    if (request.held !== null) this.heldBytes.release(request.held);
    request.resolve(published ? request.reply : Replies.OUT_OF_MEMORY);
    this.scheduleCommit();
    if (change.kind === ChangeKind.Flush) this.endBarrier();
    if (this.inFlight.length === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  private whenIdle(fn: () => void): void {
    if (this.inFlight.length === 0) fn();
    else this.idleWaiters.push(fn);
  }

  /** The flush is done: the commands that arrived after it run, in arrival order. */
  private endBarrier(): void {
    const queued = this.barrier ?? [];
    this.barrier = null;
    for (const run of queued) run();
  }

  /** Commits ride on the next Update; if none leaves in this event-loop turn, a Commit frame goes alone. */
  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    this.links.defer(() => {
      this.commitScheduled = false;
      if (this.ST <= this.lastSentStable) return;
      this.lastSentStable = this.ST;
      for (let p = 0; p < this.m; p++) if (this.parityLive[p]) this.links.sendCommit(p, this.ST);
    });
  }
}
