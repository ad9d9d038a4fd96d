import type { Server } from "node:net";
import type { Mutation } from "../protocol/backend.ts";
import { executeMutation } from "../protocol/semantics.ts";
import { connectPeer, DEFAULT_FAILURE_DETECTION, encodeFrame, listenPeers, type FailureDetection, type PeerIdentity, type PeerLink } from "../peer/index.ts";
import type { PeerAddress } from "../server/options.ts";
import type { Store } from "../store/index.ts";
import { AckTracker } from "./ack-tracker.ts";
import { applyWrite } from "./apply-write.ts";
import { sendCatchUp, type CatchUpSummary } from "./catch-up.ts";
import { chooseSuccessor, type Candidate } from "./election.ts";
import {
  blankWrite,
  decodeCatchUpBegin,
  decodeEpochSeq,
  decodeMember,
  decodeViewChange,
  decodeWrites,
  encodeEpochSeq,
  encodeMember,
  encodeViewChange,
  PbrFrame,
  WriteBatch,
  WriteOp,
  type ReplicatedWrite,
} from "./frames.ts";
import { RemovalLog } from "./removal-log.ts";
import { ReplicatingWrites } from "./replicating-writes.ts";
import { NOT_PRIMARY_REPLY, type GroupView } from "./view.ts";

/**
 * One member of a pbr group: its role (primary or backup), epoch and seq, its links to the other
 * members, and the protocol between them.
 *
 * Links: every member links to every other (member i connects to each j > i). Once its client
 * port is open, a member sends a Member frame with its client address on each link (for `view`).
 *
 * Normal operation (epoch e, primary p):
 * 1. the primary executes a client's write (memcached semantics) through ReplicatingWrites: each
 *    primitive write gets seq = last + 1 and is applied locally; the writes of one event-loop turn
 *    go to every live backup in one Write frame;
 * 2. a backup applies Writes in seq order and acks the highest seq it applied (one Ack per batch
 *    of frames);
 * 3. the primary releases a write's reply once every live backup acked its seq (AckTracker).
 * A backup whose link goes down no longer counts; the primary tells the others with a View frame.
 *
 * Failover (the primary's link is down: closed at once, or silent for the detection timeout):
 * 1. each surviving backup freezes (no more frames come from the dead primary) and sends Suspect
 *    (e, its applied seq) to the other live backups;
 * 2. once a backup has a Suspect from every other live backup, it picks the successor: the highest
 *    applied seq, ties to the lowest index (election.ts); all survivors pick the same one;
 * 3. the successor takes epoch e + 1, brings each follower up to date (catch-up.ts), announces the
 *    view and serves; a follower takes epoch e + 1 and waits for the catch-up, then acks.
 *
 * Crash-stop model: a member found down never comes back into the group (no re-protection).
 */

export interface MemberConfig {
  group: number;
  index: number;
  /** Every member's peer address, in index order (this member's included). */
  peers: PeerAddress[];
  /** memcached's item size limit (-I), for the write semantics. */
  itemSize: number;
  detection?: FailureDetection;
  /** How long start() waits for the links to every other member (default 30 s). */
  connectDeadlineMs?: number;
  /** Where protocol events are reported (one line each). */
  log?: (line: string) => void;
}

export type Role = "primary" | "backup";

/** How far a new primary moves the seq past what it has (more than any number of writes in flight). */
const TAKEOVER_SEQ_GAP = 2 ** 20;

/**
 * A batch of writes this big is sent at once rather than at the end of the turn. Kept moderate:
 * a backup gathers a frame split across socket reads in an assembly buffer as large as the frame.
 */
const MAX_BATCH_BYTES = 256 * 1024;
/** A replicated write is applied (copied into the store) before its frame's handler returns: its payload may be lent (see PeerLink.onFrame). */
const LENT_FRAME_TYPES = [PbrFrame.Write];

export class PbrMember {
  epoch = 1;
  /** Index of the primary; -1 while the primary is down and no successor is chosen. */
  primary = 0;
  /** Backup: the highest seq applied. (The primary's seq is writes.seq.) */
  private appliedSeq = 0;
  private readonly writes: ReplicatingWrites;
  private acks = new AckTracker();
  private readonly removals = new RemovalLog();
  private readonly links: Array<PeerLink | null>;
  private readonly down: boolean[];
  private readonly clientAddresses: Array<string | null>;
  /** Live members according to the primary's last View (bit i = member i). */
  private primaryLiveMask: number;
  /** Applied seqs other backups reported when they found the primary of this epoch down. */
  private readonly suspects = new Map<number, number>();
  private catchingUp = false;
  private ackScheduled = false;
  private readonly incoming = blankWrite();
  private backupLinks: PeerLink[] = [];
  /** Primary: writes not yet sent to the backups (sent at the end of the event-loop turn). */
  private readonly outgoing = new WriteBatch();
  private flushScheduled = false;
  private peerServer: Server | null = null;
  private started = false;
  private closed = false;
  private primaryDownAt = 0;
  private readonly detection: FailureDetection;
  private readonly log: (line: string) => void;

  // Counters for stats.
  applyFailures = 0;
  failovers = 0;
  lastTakeoverMs = -1;
  lastCatchUp: CatchUpSummary | null = null;

  constructor(
    readonly store: Store,
    readonly config: MemberConfig,
  ) {
    const n = config.peers.length;
    if (!(Number.isInteger(config.index) && config.index >= 0 && config.index < n)) {
      throw new Error(`pbr: --index must be an integer from 0 to ${n - 1} (one less than the members in --peers), found ${config.index}`);
    }
    if (n > 31) throw new Error(`pbr: a group has at most 31 members, found ${n}`);
    this.links = new Array(n).fill(null);
    this.down = new Array(n).fill(false);
    this.clientAddresses = new Array(n).fill(null);
    this.primaryLiveMask = (1 << n) - 1;
    this.detection = config.detection ?? DEFAULT_FAILURE_DETECTION;
    this.log = config.log ?? (() => {});
    this.writes = new ReplicatingWrites(store, this.removals, this.outgoing, () => this.writeQueued());
  }

  get role(): Role {
    return this.primary === this.config.index ? "primary" : "backup";
  }

  get isPrimary(): boolean {
    return this.primary === this.config.index;
  }

  /** Primary: seq of the last write; backup: seq of the last write applied. */
  get seq(): number {
    return this.isPrimary ? this.writes.seq : this.appliedSeq;
  }

  /** Primary: highest seq every live backup acknowledged. */
  get ackedSeq(): number {
    return this.isPrimary ? this.acks.safeSeq(this.writes.seq) : this.appliedSeq;
  }

  get pendingWrites(): number {
    return this.acks.pending;
  }

  get liveMembers(): number {
    return this.down.filter((d) => !d).length;
  }

  /**
   * Listens for peers, connects to the members above this one, and waits (up to the deadline)
   * for every link. Members not linked by then count as down (and an absent primary is replaced).
   */
  async start(): Promise<void> {
    const { index, peers, group } = this.config;
    const self = peers[index];
    this.peerServer = await listenPeers(self.host, self.port, (link) => this.accept(link), this.detection).catch((error: Error) => {
      throw new Error(`pbr: cannot listen for peers on ${self.host}:${self.port}: ${error.message}`);
    });
    const deadlineMs = this.config.connectDeadlineMs ?? 30_000;
    const deadline = Date.now() + deadlineMs;
    const me = this.identity(index);
    const outgoing = peers.map(async (peer, j) => {
      if (j <= index) return;
      try {
        const link = await connectPeer(peer.host, peer.port, me, this.identity(j), (type, payload) => this.receive(j, type, payload), {
          deadlineMs,
          detection: this.detection,
          lentTypes: LENT_FRAME_TYPES,
        });
        this.attach(j, link);
      } catch (error) {
        this.log(`member ${j} of group ${group}: ${(error as Error).message}`);
      }
    });
    await Promise.all(outgoing);
    while (!this.closed && Date.now() < deadline && this.links.some((link, j) => j < index && link === null && !this.down[j])) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.started = true;
    for (let j = 0; j < peers.length; j++) {
      if (j !== index && this.links[j] === null && !this.down[j]) this.memberDown(j, `no link within ${deadlineMs} ms of start`);
    }
    this.tryElect();
  }

  /** Records this member's client address and tells the other members (for `view`). */
  publishClientAddress(address: string): void {
    this.clientAddresses[this.config.index] = address;
    const payload = encodeMember({ index: this.config.index, clientAddress: address });
    for (const link of this.links) link?.send(PbrFrame.Member, payload);
  }

  close(): void {
    this.closed = true;
    for (const link of this.links) link?.close();
    this.peerServer?.close();
  }

  /** Executes a client's write at the primary; the reply waits for the live backups' acks. */
  execute(m: Mutation): Buffer | Promise<Buffer> {
    if (!this.isPrimary) return NOT_PRIMARY_REPLY;
    const writes = this.writes;
    const before = writes.seq;
    const reply = executeMutation(this.store, m, this.config.itemSize, writes);
    if (writes.seq === before || !writes.forwarding) return reply;
    return this.acks.wait(writes.seq, reply);
  }

  /** A write joined the outgoing batch: send the batch at the end of this turn, or now if it is big. */
  private writeQueued(): void {
    if (this.outgoing.bytes >= MAX_BATCH_BYTES) return this.flushWrites();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushWrites());
  }

  private flushWrites(): void {
    this.flushScheduled = false;
    const payload = this.outgoing.take();
    if (payload === null) return;
    // One frame for every backup: the batch's only allocation.
    const frame = encodeFrame(PbrFrame.Write, payload);
    for (const link of this.backupLinks) link.sendFrame(frame);
  }

  /** This member's view of the group (see view.ts). */
  view(): GroupView {
    const self = this.config.index;
    const members = this.clientAddresses.map((address, i) => {
      if (i === self) return address;
      if (this.down[i] || this.links[i] === null) return null;
      if (!this.isPrimary && this.primary >= 0 && (this.primaryLiveMask & (1 << i)) === 0) return null;
      return address;
    });
    return { group: this.config.group, epoch: this.epoch, primary: this.primary, members };
  }

  private identity(index: number): PeerIdentity {
    return { group: this.config.group, index, role: index === this.primary ? "pbr-primary" : "pbr-backup" };
  }

  /** An incoming link: only from a member below this one, of this group, during start. */
  private accept(link: PeerLink): void {
    const { group, index } = this.config;
    const remote = link.remote;
    const problem =
      remote.group !== group
        ? `it belongs to group ${remote.group}, expected ${group}`
        : !(remote.index < index)
          ? `expected an index below ${index} (higher members are connected to), found ${remote.index}`
          : this.links[remote.index] !== null || this.down[remote.index] || this.started
            ? `member ${remote.index} is already linked or counted down`
            : null;
    if (problem !== null) {
      this.log(`refused a peer link: ${problem}`);
      link.close();
      return;
    }
    link.onFrame((type, payload) => this.receive(remote.index, type, payload), LENT_FRAME_TYPES);
    this.attach(remote.index, link);
  }

  private attach(j: number, link: PeerLink): void {
    if (this.closed || this.started) {
      link.close();
      return;
    }
    this.links[j] = link;
    link.onDown((reason) => this.memberDown(j, reason));
    if (this.isPrimary) this.setBackups([...this.acks.backups, j], 0);
  }

  /** Sets the backups the primary replicates to; `fromSeq` is what a newly added one has applied. */
  private setBackups(backups: number[], fromSeq: number): void {
    for (const j of backups) if (!this.acks.backups.includes(j)) this.acks.addBackup(j, fromSeq);
    for (const j of this.acks.backups) if (!backups.includes(j)) this.acks.removeBackup(j);
    this.backupLinks = backups.map((j) => this.links[j]!);
    this.writes.forwarding = backups.length > 0;
  }

  private receive(from: number, type: number, payload: Buffer): void {
    try {
      switch (type) {
        case PbrFrame.Member: {
          const info = decodeMember(payload);
          if (info.index !== from) throw new Error(`member frame: expected index ${from}, found ${info.index}`);
          this.clientAddresses[from] = info.clientAddress;
          return;
        }
        case PbrFrame.Write:
          return this.onWrites(from, payload);
        case PbrFrame.Ack: {
          const ack = decodeEpochSeq(payload, "pbr ack frame");
          if (this.isPrimary && ack.epoch === this.epoch) this.acks.ack(from, ack.seq);
          return;
        }
        case PbrFrame.View: {
          const change = decodeViewChange(payload);
          this.expectFromPrimary(from, change.epoch, "view");
          this.primaryLiveMask = change.liveMask;
          return;
        }
        case PbrFrame.Suspect: {
          const suspect = decodeEpochSeq(payload, "pbr suspect frame");
          if (suspect.epoch !== this.epoch) return; // about an earlier epoch: already settled
          this.suspects.set(from, suspect.seq);
          this.tryElect();
          return;
        }
        case PbrFrame.CatchUpBegin:
          return this.onCatchUpBegin(from, payload);
        case PbrFrame.CatchUpEnd: {
          const end = decodeEpochSeq(payload, "pbr catch-up end frame");
          this.expectFromPrimary(from, end.epoch, "catch-up end");
          if (!this.catchingUp) throw new Error("catch-up end without a catch-up begin");
          this.catchingUp = false;
          this.appliedSeq = end.seq;
          this.removals.forgetThrough(end.seq);
          this.log(`caught up with member ${from} at seq ${end.seq} (epoch ${end.epoch})`);
          this.scheduleAck();
          return;
        }
        default:
          throw new Error(`expected a pbr frame type from ${PbrFrame.Member} to ${PbrFrame.CatchUpEnd}, found ${type}`);
      }
    } catch (error) {
      this.log(`protocol error on the link with member ${from}: ${(error as Error).message}; dropping the link`);
      this.links[from]?.close();
    }
  }

  private expectFromPrimary(from: number, epoch: number, what: string): void {
    if (from !== this.primary || this.isPrimary) throw new Error(`${what} frame from member ${from}, but the primary is ${this.primary}`);
    if (epoch !== this.epoch) throw new Error(`${what} frame: expected epoch ${this.epoch}, found ${epoch}`);
  }

  /** Backup: apply the writes of a Write frame from the primary, in seq order (seq 0: part of a catch-up). */
  private onWrites(from: number, payload: Buffer): void {
    decodeWrites(payload, this.incoming, (w) => this.applyOne(from, w));
  }

  private applyOne(from: number, w: ReplicatedWrite): void {
    this.expectFromPrimary(from, w.epoch, "write");
    if (w.seq === 0) {
      if (!this.catchingUp) throw new Error("catch-up write outside a catch-up");
    } else {
      if (this.catchingUp) throw new Error(`write ${w.seq} before the catch-up ended`);
      if (w.seq !== this.appliedSeq + 1) throw new Error(`expected write ${this.appliedSeq + 1}, found ${w.seq}`);
      this.appliedSeq = w.seq;
      if (w.op === WriteOp.Remove || w.op === WriteOp.Touch) this.removals.record(w.seq, w.key);
      else if (w.op === WriteOp.Clear) this.removals.recordClear(w.seq);
      this.scheduleAck();
    }
    if (!applyWrite(this.store, w)) {
      this.applyFailures++;
      if (this.applyFailures === 1) this.log(`a write did not fit in the store (seq ${w.seq}); the key is removed here`);
    }
  }

  /** One Ack for all the frames that arrived in this turn of the event loop. */
  private scheduleAck(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    process.nextTick(() => {
      this.ackScheduled = false;
      if (this.primary >= 0 && !this.isPrimary) this.links[this.primary]?.send(PbrFrame.Ack, encodeEpochSeq(this.epoch, this.appliedSeq));
    });
  }

  private onCatchUpBegin(from: number, payload: Buffer): void {
    const begin = decodeCatchUpBegin(payload);
    this.expectFromPrimary(from, begin.epoch, "catch-up begin");
    this.catchingUp = true;
    if (begin.full) this.store.clear();
  }

  private memberDown(j: number, reason: string): void {
    if (this.down[j] || this.closed) return;
    this.down[j] = true;
    this.links[j] = null;
    this.suspects.delete(j);
    this.log(`member ${j} is down (${reason}); epoch ${this.epoch}, primary ${this.primary}`);
    if (this.isPrimary) {
      this.setBackups(this.acks.backups.filter((b) => b !== j), 0);
      this.announceView();
    } else if (j === this.primary) {
      // The primary is gone: freeze, tell the other survivors how far we got, and elect.
      this.primary = -1;
      this.catchingUp = false;
      this.primaryDownAt = Date.now();
      const suspect = encodeEpochSeq(this.epoch, this.appliedSeq);
      this.links.forEach((link) => link?.send(PbrFrame.Suspect, suspect));
      this.tryElect();
    } else {
      this.tryElect();
    }
  }

  /** Once every live member reported its applied seq for this epoch, picks the successor. */
  private tryElect(): void {
    if (this.primary !== -1 || !this.started || this.closed) return;
    const self = this.config.index;
    const candidates: Candidate[] = [{ index: self, appliedSeq: this.appliedSeq }];
    for (let j = 0; j < this.links.length; j++) {
      if (j === self || this.down[j]) continue;
      const seq = this.suspects.get(j);
      if (seq === undefined) return; // still waiting for member j
      candidates.push({ index: j, appliedSeq: seq });
    }
    const successor = chooseSuccessor(candidates);
    this.epoch++;
    this.suspects.clear();
    if (successor === self) {
      this.becomePrimary(candidates.filter((c) => c.index !== self));
    } else {
      this.primary = successor;
      this.catchingUp = true;
      this.log(`following member ${successor} in epoch ${this.epoch} from seq ${this.appliedSeq}`);
    }
  }

  private becomePrimary(followers: Candidate[]): void {
    this.primary = this.config.index;
    this.acks = new AckTracker();
    this.writes.epoch = this.epoch;
    // Seqs (and so CAS values) of the new epoch start well above anything the old primary could
    // have handed out in writes no survivor received, or a catch-up cut short could have left here:
    // a CAS a client got from a lost write never matches an item of the new epoch.
    this.writes.seq = Math.max(this.appliedSeq, this.store.currentCas) + TAKEOVER_SEQ_GAP;
    for (const follower of followers) {
      const link = this.links[follower.index]!;
      this.lastCatchUp = sendCatchUp(this.store, this.removals, follower.appliedSeq, this.writes.seq, this.epoch, (type, payload) => link.send(type, payload));
    }
    this.setBackups(
      followers.map((f) => f.index),
      followers.length > 0 ? Math.min(...followers.map((f) => f.appliedSeq)) : 0,
    );
    this.announceView();
    this.failovers++;
    this.lastTakeoverMs = Date.now() - this.primaryDownAt;
    const caughtUp = this.lastCatchUp ? ` (catch-up: ${this.lastCatchUp.full ? "full, " : ""}${this.lastCatchUp.items} items, ${this.lastCatchUp.removes} removes)` : "";
    this.log(`primary of group ${this.config.group} in epoch ${this.epoch} at seq ${this.writes.seq}, ${this.lastTakeoverMs} ms after the old primary was found down${caughtUp}`);
  }

  /** Primary: tells the backups who is live. */
  private announceView(): void {
    let mask = 1 << this.config.index;
    for (const j of this.acks.backups) mask |= 1 << j;
    const payload = encodeViewChange({ epoch: this.epoch, primary: this.config.index, liveMask: mask });
    for (const link of this.backupLinks) link.send(PbrFrame.View, payload);
  }
}
