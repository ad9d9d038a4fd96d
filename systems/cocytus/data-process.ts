/**
 * The data process (DP_i) of a Cocytus group, as a state machine without network: the caller
 * delivers acknowledgements and link failures, and gives it functions that send frames.
 *
 * Handling a SET-class request (the slides' steps, DESIGN section 7):
 *  1. allocate (or reuse) the region [off, off + len); diff = old bytes XOR new bytes there;
 *  2. ts = ++RT; send (ts, key, op, off, len, metadata change, diff) to every parity process;
 *  3. (each parity process buffers it, sets RVT[i] = ts and acknowledges);
 *  4. once every live parity process acknowledged ts and every earlier request completed
 *     (in-order completion): update in place (area ^= diff gives the new bytes), update the
 *     index, ST = ts, answer the client, and send a commit for ts (piggybacked on the next
 *     Update, or alone at the end of the event-loop turn);
 *  5. (each parity process applies its buffered requests up to ts and sets SVT[i] = ts).
 *
 * GET reads committed state. A command is decided only when no earlier command for the same key
 * is in flight (later ones wait in a per-key queue), so the region a request diffs against holds
 * exactly the committed bytes until the request completes: nothing else writes there meanwhile.
 */
import type { Store } from "../store/index.ts";
import { applyChangeMetadata, ChangeKind, type Change } from "./change.ts";
import { encodeUpdate } from "./messages.ts";
import { decideMutation, liveItem, type Mutation, type MutationReply } from "./mutation.ts";

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
  /** Server time in seconds (for expiry). */
  now?: () => number;
}

export type ReplyCallback = (reply: MutationReply) => void;

/** A request between step 2 and step 4. */
interface InFlight {
  ts: number;
  change: Change;
  /** Put: old XOR new for the region (a view into the Update payload sent). */
  diff: Uint8Array;
  reply: MutationReply;
  done: ReplyCallback;
  keyId: string;
}

const OUT_OF_MEMORY: MutationReply = { status: "NOT_STORED", error: "SERVER_ERROR out of memory storing object" };
const TOO_LARGE: MutationReply = { status: "NOT_STORED", error: "SERVER_ERROR object too large for cache" };
const FLUSH_KEY = "";

export class DataProcess {
  /** Timestamp of the latest received SET-class request. */
  RT = 0;
  /** Timestamp of the latest stable (completed) request. */
  ST = 0;
  readonly index: number;
  readonly store: Store;
  private readonly m: number;
  private readonly links: DataProcessLinks;
  private readonly now: () => number;
  /** Requests sent to the parity processes and not yet completed, in ts order. */
  private readonly inFlight: InFlight[] = [];
  /** Per parity process: the highest ts it acknowledged (its RVT[i]). */
  private readonly acked: Float64Array;
  private readonly parityLive: boolean[];
  /** Keys with a request in flight, each with the commands waiting behind it. */
  private readonly busyKeys = new Map<string, (() => void)[]>();
  /** Commands waiting for a flush_all (a barrier: it waits for everything before it, everything after waits for it). */
  private barrier: (() => void)[] | null = null;
  private lastSentStable = 0;
  /** The last CAS unique handed to a request (requests get theirs when decided, in ts order). */
  private lastCas = 0;
  private commitScheduled = false;
  private diffScratch = Buffer.alloc(64 * 1024);

  constructor(options: DataProcessOptions) {
    this.index = options.index;
    this.m = options.m;
    this.store = options.store;
    this.links = options.links;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.acked = new Float64Array(options.m);
    this.parityLive = new Array<boolean>(options.m).fill(true);
  }

  /** The handle of the key's live committed item, or -1 (GET reads committed state only). */
  lookup(key: Uint8Array): number {
    return liveItem(this.store, key, this.now());
  }

  /** Requests in flight (received, not yet stable). */
  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Parity processes this process still waits for. */
  get liveParityCount(): number {
    return this.parityLive.filter(Boolean).length;
  }

  /** A SET-class command; `done` gets the reply once the command is stable (or at once if it changes nothing). */
  submit(mutation: Mutation, done: ReplyCallback): void {
    const keyId = Buffer.from(mutation.key.buffer, mutation.key.byteOffset, mutation.key.length).toString("latin1");
    const run = () => this.dispatch(mutation, keyId, done);
    if (this.barrier !== null) {
      this.barrier.push(this.keepBytes(mutation, () => this.submit(mutation, done)));
      return;
    }
    const waiting = this.busyKeys.get(keyId);
    if (waiting !== undefined) waiting.push(this.keepBytes(mutation, run));
    else run();
  }

  /** flush_all: every item goes, after every earlier request and before every later one. */
  flushAll(done: ReplyCallback): void {
    if (this.barrier !== null) {
      this.barrier.push(() => this.flushAll(done));
      return;
    }
    this.barrier = [];
    this.busyKeys.set(FLUSH_KEY, []);
    this.whenIdle(() => {
      const change: Change = { kind: ChangeKind.Flush, key: new Uint8Array(0), offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 };
      this.send(change, new Uint8Array(0), { status: "OK" }, done, FLUSH_KEY);
    });
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

  private dispatch(mutation: Mutation, keyId: string, done: ReplyCallback): void {
    const decision = decideMutation(this.store, mutation, this.now());
    const change = decision.change;
    if (change === undefined) {
      done(decision.reply);
      this.releaseKey(keyId);
      return;
    }
    const key = mutation.key;
    if (change.kind !== ChangeKind.Put) {
      const exptime = change.kind === ChangeKind.Touch ? change.exptime : 0;
      this.send({ kind: change.kind, key, offset: 0, length: 0, flags: 0, exptime, cas: 0 }, new Uint8Array(0), decision.reply, done, keyId);
      return;
    }
    const length = change.value.length;
    if (length > this.store.maxValueBytes) {
      done(TOO_LARGE);
      this.releaseKey(keyId);
      return;
    }
    // Step 1: reuse the item's region when the new value needs the same slot size, else allocate.
    const old = this.store.index.find(key);
    const allocator = this.store.allocator;
    let offset: number;
    if (old >= 0 && allocator.slotSize(this.store.valueLength(old)) === allocator.slotSize(length)) {
      offset = this.store.valueOffset(old);
    } else {
      offset = this.store.reserve(length);
      if (offset < 0) {
        done(OUT_OF_MEMORY);
        this.releaseKey(keyId);
        return;
      }
    }
    const diff = this.diffOf(offset, change.value);
    this.lastCas = Math.max(this.lastCas, this.store.currentCas) + 1;
    const cas = this.lastCas;
    this.send({ kind: ChangeKind.Put, key, offset, length, flags: change.flags, exptime: change.exptime, cas }, diff, decision.reply, done, keyId);
  }

  /** old XOR new over [offset, offset + value.length), in a scratch buffer (copied into the Update). */
  private diffOf(offset: number, value: Uint8Array): Uint8Array {
    if (this.diffScratch.length < value.length) this.diffScratch = Buffer.alloc(value.length);
    const diff = this.diffScratch.subarray(0, value.length);
    const old = this.store.dataArea.view(offset, value.length);
    for (let x = 0; x < value.length; x++) diff[x] = old[x] ^ value[x];
    return diff;
  }

  /** Step 2: ts = ++RT, the request goes to every live parity process. */
  private send(change: Change, diff: Uint8Array, reply: MutationReply, done: ReplyCallback, keyId: string): void {
    const ts = ++this.RT;
    const payload = encodeUpdate(ts, this.ST, change, diff);
    this.lastSentStable = this.ST;
    for (let p = 0; p < this.m; p++) if (this.parityLive[p]) this.links.sendUpdate(p, payload);
    // The diff is the payload's tail; the key is copied, since the caller's buffer may be reused.
    const sentDiff = payload.subarray(payload.length - diff.length);
    this.inFlight.push({ ts, change: { ...change, key: Buffer.from(change.key) }, diff: sentDiff, reply, done, keyId });
    if (!this.busyKeys.has(keyId)) this.busyKeys.set(keyId, []);
    this.completeReady();
  }

  /** Step 4, in ts order, for every request all live parity processes acknowledged. */
  private completeReady(): void {
    let acknowledged = Infinity;
    for (let p = 0; p < this.m; p++) if (this.parityLive[p] && this.acked[p] < acknowledged) acknowledged = this.acked[p];
    while (this.inFlight.length > 0 && this.inFlight[0].ts <= acknowledged) {
      const request = this.inFlight.shift() as InFlight;
      this.complete(request);
    }
  }

  private complete(request: InFlight): void {
    const { change } = request;
    if (change.kind === ChangeKind.Put) this.store.dataArea.xor(change.offset, request.diff);
    const published = applyChangeMetadata(this.store, change, true);
    this.ST = request.ts;
    request.done(published ? request.reply : OUT_OF_MEMORY);
    this.scheduleCommit();
    this.releaseKey(request.keyId);
    if (this.inFlight.length === 0 && this.idleWaiters.length > 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  private readonly idleWaiters: (() => void)[] = [];

  private whenIdle(fn: () => void): void {
    if (this.inFlight.length === 0) fn();
    else this.idleWaiters.push(fn);
  }

  /** The key's request is done: the next command waiting for the key runs (or a flush ends). */
  private releaseKey(keyId: string): void {
    const waiting = this.busyKeys.get(keyId);
    if (waiting === undefined) return;
    const next = waiting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.busyKeys.delete(keyId);
    if (keyId === FLUSH_KEY && this.barrier !== null) {
      const queued = this.barrier;
      this.barrier = null;
      for (const run of queued) run();
    }
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

  /** A queued command keeps its key and value past the caller's buffers (parsers reuse them). */
  private keepBytes(mutation: Mutation, run: () => void): () => void {
    mutation.key = Buffer.from(mutation.key);
    if (mutation.value !== undefined) mutation.value = Buffer.from(mutation.value);
    return run;
  }
}
