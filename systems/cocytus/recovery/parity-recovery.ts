/**
 * Recovery at a parity process: failure detection, leadership, preparation, online repair, and
 * serving the failed data processes' keys (DESIGN section 7).
 *
 * Every parity process links to every other one (the lower index dials the higher). Peer links
 * carry heartbeats; a closed link counts as a failure at once, a silent one after the timeout.
 * The leader is the lowest-numbered parity process this one can reach (itself included): in the
 * crash-stop model every live parity process agrees on it.
 *
 * When a data process's link goes down at the leader (the original process, or one hosted by a
 * previous leader that died), the leader recovers it:
 *  1. preparation: it asks every live parity process for RVT[i] (which also makes them count
 *     DP_i failed and close its link), takes the minimum as the synchronized stable timestamp,
 *     and has every parity process apply DP_i's buffered requests up to it and drop the rest;
 *  2. it runs DP_i itself (hosted-data.ts) over its metadata replica, from that timestamp on,
 *     announces the new view (DP_i's keys are served on the leader's client port), and
 *  3. repairs DP_i's data area page by page (page-repair.ts), pages needed by requests first.
 * Preparation blocks DP_i's keys (nobody serves them) from the failure's detection until the
 * hosted process is ready: that is prep_block_ms.
 *
 * A follower answers the leader's requests, keeps working copies for repair batches, and takes
 * page snapshots from the data processes. When the leader's link goes down, the next parity
 * process becomes leader and recovers every data index whose process it cannot reach (including
 * those the old leader hosted: their repaired areas died with it).
 */
import { PAGE_SIZE, type ErasureCodec } from "../../codec/codec.ts";
import { connectPeer, type PeerLink } from "../../peer/index.ts";
import { Op, type Backend, type ExtensionCommand, type Mutation } from "../../protocol/backend.ts";
import { route } from "../../routing/router.ts";
import { serveDebug, type DebugSource } from "../debug.ts";
import type { GroupConfig } from "../group-config.ts";
import { describeMetadata } from "../metadata-dump.ts";
import type { ParityMember } from "../parity-member.ts";
import type { ParityProcess } from "../parity-process.ts";
import {
  decodeBatch,
  decodeClientAddress,
  decodeCopies,
  decodePageSnapshot,
  decodeReply,
  decodeRequest,
  decodeText,
  encodeBatch,
  encodeClientAddress,
  encodeCopies,
  encodeReply,
  encodeRequest,
  encodeSnapshotRequest,
  encodeText,
  RecoveryFrame,
  RecoveryRequestKind,
  type RecoveryRequest,
} from "./frames.ts";
import { HostedDataProcess, type RecoveryMode } from "./hosted-data.ts";
import { HostedItems } from "./hosted-items.ts";
import { PageRepairer, type RepairParticipants } from "./page-repair.ts";
import { formatCocytusView, parseCocytusView, type CocytusView } from "./view.ts";
import { WorkingCopies, type ParityVersion } from "./working-copies.ts";

/** The peer role a debug tool uses to query a data process hosted by a recovery leader (DebugClient.connect's role). */
export const HOSTED_DEBUG_ROLE = "hosted-debug";

export interface ParityRecoveryOptions {
  config: GroupConfig;
  member: ParityMember;
  codec: ErasureCodec;
  mode: RecoveryMode;
  /** memcached's item size limit (-I), for the hosted data processes. */
  itemSize: number;
  /** Groups in the deployment (to route keys among hosted data processes); unknown: 1. */
  groups?: number;
  batchPages?: number;
  /** Tests only: break the version rule of working copies. */
  parityVersion?: ParityVersion;
  log(line: string): void;
}

interface PendingRequest {
  parity: number;
  resolve(value: number): void;
  reject(error: Error): void;
}

export class ParityRecovery {
  private readonly config: GroupConfig;
  private readonly member: ParityMember;
  private readonly parity: ParityProcess;
  private readonly parityIndex: number;
  /** Links to the other parity processes, by parity index. */
  private readonly peers: (PeerLink | undefined)[];
  /** Whether a data process (original, or hosted by another leader) is linked to this one. */
  private readonly dataUp: boolean[];
  private readonly failedAt = new Map<number, number>();
  private readonly addresses: (string | null)[];
  private readonly hosted = new Map<number, HostedDataProcess>();
  private readonly recovering = new Set<number>();
  private readonly copies: WorkingCopies;
  private readonly repairer: PageRepairer;
  private readonly items: HostedItems;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly pendingCopies = new Map<string, { resolve(bytes: Buffer): void; reject(error: Error): void }>();
  private nextRequest = 1;
  private recoveries: Promise<void> = Promise.resolve();
  private receivedView: CocytusView | null = null;
  private pushedView: CocytusView | null = null;
  private epoch = 1;
  private wasLeader: boolean;
  private closed = false;
  private readonly metrics = { recoveryStart: 0, prepBlockMs: 0, requestsWaited: 0, preparations: 0 };

  private constructor(private readonly options: ParityRecoveryOptions) {
    const { config, member, codec } = options;
    this.config = config;
    this.member = member;
    this.parity = member.parityProcess;
    this.parityIndex = config.index - config.k;
    this.peers = new Array<PeerLink | undefined>(config.m);
    this.dataUp = new Array<boolean>(config.k).fill(false);
    this.addresses = new Array<string | null>(config.k + config.m).fill(null);
    this.copies = new WorkingCopies(this.parity, codec, options.parityVersion ?? "exact");
    this.repairer = new PageRepairer(codec, this.copies, this.participants(), (line) => this.log(line), { batchPages: options.batchPages });
    this.items = new HostedItems(this.hosted, (key, start, end) => this.ownerOf(key, start, end));
    this.wasLeader = this.isLeader();
  }

  /** Hooks recovery into a started parity member and dials the higher-numbered parity processes. */
  static attach(options: ParityRecoveryOptions): ParityRecovery {
    const recovery = new ParityRecovery(options);
    options.member.hooks = {
      onDataFrame: (d, type, payload) => recovery.onDataFrame(d, type, payload),
      onDataLinkUp: (d) => recovery.onDataLinkUp(d),
      onDataLinkDown: (d, reason) => recovery.onDataLinkDown(d, reason),
      onOtherLink: (link) => recovery.onOtherLink(link),
    };
    for (let q = recovery.parityIndex + 1; q < options.config.m; q++) recovery.dialPeer(q);
    return recovery;
  }

  /** This process's client address, once its listener is open: told to every peer (for `view`). */
  setClientAddress(host: string, port: number): void {
    this.addresses[this.config.index] = `${host}:${port}`;
    const payload = encodeClientAddress(this.config.index, `${host}:${port}`);
    for (const link of this.peers) link?.send(RecoveryFrame.ClientAddress, payload);
    for (let d = 0; d < this.config.k; d++) this.member.sendToData(d, RecoveryFrame.ClientAddress, payload);
    this.viewChanged();
  }

  /** The parity backend with the hosted data processes' keys, `view` and the recovery stats added. */
  backend(base: Backend): Backend {
    const commands = new Map<string, ExtensionCommand>(base.commands ?? []);
    commands.set("view", () => formatCocytusView(this.view()));
    return {
      store: this.items,
      execute: (m: Mutation) => {
        if (m.op === Op.FlushAll) return this.hosted.size === 0 ? base.execute(m) : this.flushHosted(m);
        const hosted = this.hosted.get(this.ownerOf(m.key, 0, m.key.length));
        return hosted === undefined ? base.execute(m) : hosted.execute(m);
      },
      beforeRead: (key: Buffer) => {
        const hosted = this.hosted.get(this.ownerOf(key, 0, key.length));
        return hosted === undefined ? base.beforeRead?.(key) : hosted.beforeRead(key);
      },
      commands,
      stats: () => ({ ...base.stats?.(), ...this.stats() }),
    };
  }

  /** The group's view as this process knows it: its own while it leads, else the leader's last one. */
  view(): CocytusView {
    if (this.isLeader() || this.receivedView === null) return this.computeView();
    return this.receivedView;
  }

  /** Resolves once every hosted data area is repaired (tests, benchmarks). */
  whenRepaired(): Promise<void> {
    return this.repairer.whenComplete();
  }

  stats(): Record<string, number | string> {
    const progress = this.repairer.progress;
    const end = progress.finishedAt !== 0 ? progress.finishedAt : Date.now();
    const seconds = progress.startedAt === 0 ? 0 : (end - progress.startedAt) / 1000;
    const fields: Record<string, number | string> = {
      recovery_mode: this.options.mode,
      recovery_leader: this.config.k + this.leaderParity(),
      recovery_state: this.recovering.size > 0 ? "preparing" : this.hosted.size === 0 ? "idle" : this.repairer.complete ? "repaired" : "repairing",
      recovery_hosted: [...this.hosted.keys()].join(",") || "-",
      recovery_start: this.metrics.recoveryStart,
      recovery_end: this.hosted.size > 0 && this.repairer.complete ? progress.finishedAt : 0,
      prep_block_ms: this.metrics.prepBlockMs,
      preparations: this.metrics.preparations,
      pages_repaired: progress.pagesRepaired,
      repair_batches: progress.batches,
      repair_aborted_batches: progress.abortedBatches,
      repair_bytes_per_sec: seconds > 0 ? Math.round(progress.bytesRepaired / seconds) : 0,
      requests_waited_on_repair: this.metrics.requestsWaited,
    };
    for (const [d, hosted] of this.hosted) {
      fields[`cocytus_hosted_${d}_st`] = hosted.dataProcess.ST;
      fields[`cocytus_hosted_${d}_pages_left`] = hosted.pagesRemaining;
    }
    return fields;
  }

  close(): void {
    this.closed = true;
    this.repairer.stop();
    this.copies.abortAll("closing");
    for (const hosted of this.hosted.values()) hosted.close();
    for (const link of this.peers) link?.close();
  }

  // ---- leadership and failure detection ----

  private leaderParity(): number {
    for (let q = 0; q < this.parityIndex; q++) if (this.peerUp(q)) return q;
    return this.parityIndex;
  }

  private isLeader(): boolean {
    return this.leaderParity() === this.parityIndex;
  }

  private peerUp(q: number): boolean {
    const link = this.peers[q];
    return link !== undefined && !link.isDown;
  }

  private liveFollowers(): number[] {
    const followers: number[] = [];
    for (let q = 0; q < this.config.m; q++) if (q !== this.parityIndex && this.peerUp(q)) followers.push(q);
    return followers;
  }

  private onDataLinkUp(d: number): void {
    this.dataUp[d] = true;
    this.viewChanged();
  }

  private onDataLinkDown(d: number, reason: string): void {
    if (this.closed) return;
    this.dataUp[d] = false;
    this.failedAt.set(d, Date.now());
    this.copies.abortProvider(d, `data process ${d} is down (${reason})`);
    if (!this.isLeader()) return;
    this.repairer.abortInvolving({ dataIndex: d }, `data process ${d} is down`);
    this.startRecovery(d);
  }

  private onPeerDown(q: number, reason: string): void {
    if (this.closed) return;
    this.log(`cocytus recovery ${this.config.group}: parity process ${this.config.k + q} is down (${reason})`);
    for (const [id, request] of [...this.pending]) {
      if (request.parity !== q) continue;
      this.pending.delete(id);
      request.reject(new Error(`parity process ${this.config.k + q} is down`));
    }
    for (const [key, waiter] of [...this.pendingCopies]) {
      if (!key.startsWith(`${q}:`)) continue;
      this.pendingCopies.delete(key);
      waiter.reject(new Error(`parity process ${this.config.k + q} is down`));
    }
    // Batches opened here belong to the leader; if it was a lower one, it may be gone.
    if (q < this.parityIndex) this.copies.abortAll(`parity process ${this.config.k + q} is down`);
    if (this.isLeader()) {
      this.repairer.abortInvolving({ parity: q }, `parity process ${this.config.k + q} is down`);
      if (!this.wasLeader) this.takeOver();
    }
    this.viewChanged();
  }

  /** This process just became the leader: it recovers every data index it cannot reach. */
  private takeOver(): void {
    this.wasLeader = true;
    this.epoch = Math.max(this.epoch, this.receivedView?.epoch ?? 0) + 1;
    this.log(`cocytus recovery ${this.config.group}: parity process ${this.config.index} leads the group now (epoch ${this.epoch})`);
    for (let d = 0; d < this.config.k; d++) if (!this.dataUp[d] && !this.hosted.has(d)) this.startRecovery(d);
  }

  // ---- preparation (leader) ----

  private startRecovery(d: number): void {
    if (this.recovering.has(d) || this.hosted.has(d)) return;
    this.recovering.add(d);
    this.repairer.pause();
    this.viewChanged();
    this.recoveries = this.recoveries
      .then(() => this.prepareAndHost(d))
      .catch((error: Error) => this.log(`cocytus recovery ${this.config.group}: recovering data process ${d} failed: ${error.stack ?? error.message}`))
      .finally(() => {
        this.recovering.delete(d);
        this.repairer.resume();
        this.viewChanged();
      });
  }

  private async prepareAndHost(d: number): Promise<void> {
    if (this.closed) return;
    const { group } = this.config;
    const detectedAt = this.failedAt.get(d) ?? Date.now();
    this.metrics.recoveryStart = detectedAt;
    this.member.closeDataLink(d);
    const followers = this.liveFollowers();
    const answers = await Promise.allSettled(followers.map((q) => this.request(q, { kind: RecoveryRequestKind.QueryRvt, dataIndex: d })));
    const reached = followers.filter((_, n) => answers[n].status === "fulfilled");
    const rvts = [this.parity.RVT[d], ...answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []))];
    const syncTs = Math.min(...rvts);
    this.copies.abortProvider(d, `data process ${d} failed`);
    this.parity.synchronize(d, syncTs);
    await this.parity.settled();
    // DP_i's pages can be non-zero only where some diff touched this parity area.
    const pagesToRepair: number[] = [];
    for (const [first, end] of this.parity.parityArea.touchedPageRanges()) for (let p = first; p < end; p++) pagesToRepair.push(p);
    this.parity.hostedMetadata[d] = true;
    // The hosted process dials the followers while they synchronize: it sends nothing before it serves.
    const [synced, hosted] = await Promise.all([
      Promise.allSettled(reached.map((q) => this.request(q, { kind: RecoveryRequestKind.Synchronize, dataIndex: d, ts: syncTs }))),
      HostedDataProcess.start({
        config: this.config,
        dataIndex: d,
        syncTs,
        parityProcess: this.parity,
        remoteParities: reached,
        pagesToRepair,
        itemSize: this.options.itemSize,
        mode: this.options.mode,
        repair: this.repairer,
        onLocalSnapshot: (batch, dataIndex, stable, bytes) => this.copies.onSnapshot(batch, dataIndex, stable, bytes),
        onWait: () => this.metrics.requestsWaited++,
        log: (line) => this.log(line),
      }),
    ]);
    synced.forEach((s, n) => {
      if (s.status === "rejected") this.log(`cocytus recovery ${group}: parity process ${this.config.k + reached[n]} did not synchronize: ${(s.reason as Error).message}`);
    });
    if (this.closed) {
      hosted.close();
      return;
    }
    this.hosted.set(d, hosted);
    this.metrics.prepBlockMs = Date.now() - detectedAt;
    this.metrics.preparations++;
    this.repairer.add(hosted, pagesToRepair);
    this.log(
      `cocytus recovery ${group}: data process ${d} failed; preparation done in ${this.metrics.prepBlockMs} ms ` +
        `(RVTs ${rvts.join(", ")} -> synchronized ts ${syncTs}); serving its keys here, repairing ${pagesToRepair.length} pages ${this.options.mode}`,
    );
    void this.repairer.whenComplete().then(() => {
      if (this.closed || this.hosted.size === 0) return;
      const stats = this.stats();
      this.log(`cocytus recovery ${group}: repair complete: ${stats.pages_repaired} pages at ${stats.repair_bytes_per_sec} B/s; ${stats.requests_waited_on_repair} requests waited`);
    });
  }

  // ---- requests between parity processes ----

  private request(q: number, fields: Partial<RecoveryRequest> & { kind: RecoveryRequest["kind"] }): Promise<number> {
    const id = this.nextRequest++;
    const request: RecoveryRequest = { id, dataIndex: 0, ts: 0, batch: 0, providers: [], pages: [], ...fields };
    return new Promise((resolve, reject) => {
      const link = this.peers[q];
      if (link === undefined || link.isDown) return reject(new Error(`parity process ${this.config.k + q} is not linked`));
      this.pending.set(id, { parity: q, resolve, reject });
      link.send(RecoveryFrame.Request, encodeRequest(request));
    });
  }

  /** A follower answers the leader. */
  private answer(q: number, request: RecoveryRequest): void {
    const link = this.peers[q];
    const reply = (value: number, error: string | null = null) => link?.send(RecoveryFrame.Reply, encodeReply({ id: request.id, value, error }));
    const d = request.dataIndex;
    try {
      switch (request.kind) {
        case RecoveryRequestKind.QueryRvt:
          this.dataUp[d] = false;
          this.member.closeDataLink(d);
          this.copies.abortProvider(d, `data process ${d} failed`);
          reply(this.parity.RVT[d]);
          return;
        case RecoveryRequestKind.Synchronize:
          this.copies.abortProvider(d, `data process ${d} failed`);
          this.parity.synchronize(d, request.ts);
          reply(request.ts);
          return;
        case RecoveryRequestKind.OpenCopies: {
          const opened = this.copies.open(request.batch, request.pages, request.providers);
          opened.copied.then(
            () => reply(0),
            (error: Error) => reply(0, error.message),
          );
          opened.result.then(
            (result) => link?.send(RecoveryFrame.Copies, encodeCopies(request.batch, result.copies)),
            () => {},
          );
          return;
        }
      }
    } catch (error) {
      reply(0, (error as Error).message);
    }
  }

  private participants(): RepairParticipants {
    return {
      localParity: this.parityIndex,
      liveFollowers: () => this.liveFollowers(),
      dataUp: (d) => this.dataUp[d],
      openRemote: async (q, batch, pages, providers) => {
        await this.request(q, { kind: RecoveryRequestKind.OpenCopies, batch, pages, providers });
      },
      remoteCopies: (q, batch) =>
        new Promise((resolve, reject) => {
          if (!this.peerUp(q)) return reject(new Error(`parity process ${this.config.k + q} is down`));
          this.pendingCopies.set(`${q}:${batch}`, { resolve, reject });
        }),
      abortRemote: (q, batch) => {
        const waiter = this.pendingCopies.get(`${q}:${batch}`);
        this.pendingCopies.delete(`${q}:${batch}`);
        waiter?.reject(new Error(`batch ${batch} aborted`));
        this.peers[q]?.send(RecoveryFrame.AbortCopies, encodeBatch(batch));
      },
      requestSnapshot: (d, request) => {
        this.member.sendToData(d, RecoveryFrame.SnapshotRequest, encodeSnapshotRequest(request));
      },
    };
  }

  // ---- links and frames ----

  private dialPeer(q: number): void {
    const { group, k, members } = this.config;
    const target = members[k + q];
    connectPeer(
      target.host,
      target.peerPort,
      { group, index: this.config.index, role: "parity" },
      { group, index: k + q, role: "parity" },
      (type, payload) => this.onPeerFrame(q, type, payload),
      { deadlineMs: this.config.connectDeadlineMs ?? 30_000, detection: this.config.detection },
    ).then(
      (link) => {
        if (this.closed) link.close();
        else this.adoptPeer(q, link);
      },
      (error: Error) => this.log(`cocytus recovery ${group}: no link to parity process ${k + q}: ${error.message}`),
    );
  }

  private onOtherLink(link: PeerLink): boolean {
    const { group, k, m } = this.config;
    const remote = link.remote;
    if (remote.role === HOSTED_DEBUG_ROLE && remote.group === group && remote.index < k) {
      serveDebug(link, this.hostedDebugSource(remote.index));
      return true;
    }
    if (remote.role !== "parity" || remote.group !== group || remote.index < k || remote.index >= k + m || remote.index === this.config.index) return false;
    const q = remote.index - k;
    link.onFrame((type, payload) => this.onPeerFrame(q, type, payload));
    this.adoptPeer(q, link);
    return true;
  }

  private adoptPeer(q: number, link: PeerLink): void {
    if (this.peerUp(q)) {
      link.close();
      return;
    }
    this.peers[q] = link;
    link.onDown((reason) => {
      if (this.peers[q] === link) this.onPeerDown(q, reason);
    });
    const own = this.addresses[this.config.index];
    if (own !== null) link.send(RecoveryFrame.ClientAddress, encodeClientAddress(this.config.index, own));
    this.wasLeader = this.isLeader();
    this.viewChanged();
  }

  private onPeerFrame(q: number, type: number, payload: Buffer): void {
    try {
      switch (type) {
        case RecoveryFrame.ClientAddress: {
          const { member, address } = decodeClientAddress(payload);
          this.learnAddress(member, address);
          return;
        }
        case RecoveryFrame.View: {
          const view = parseCocytusView(decodeText(payload, "cocytus view"));
          if (view.epoch >= (this.receivedView?.epoch ?? 0)) this.receivedView = view;
          this.epoch = Math.max(this.epoch, view.epoch);
          return;
        }
        case RecoveryFrame.Request:
          this.answer(q, decodeRequest(payload));
          return;
        case RecoveryFrame.Reply: {
          const reply = decodeReply(payload);
          const request = this.pending.get(reply.id);
          this.pending.delete(reply.id);
          if (reply.error === null) request?.resolve(reply.value);
          else request?.reject(new Error(`parity process ${this.config.k + q}: ${reply.error}`));
          return;
        }
        case RecoveryFrame.Copies: {
          const { batch, bytes } = decodeCopies(payload);
          const waiter = this.pendingCopies.get(`${q}:${batch}`);
          this.pendingCopies.delete(`${q}:${batch}`);
          waiter?.resolve(Buffer.from(bytes));
          return;
        }
        case RecoveryFrame.AbortCopies:
          this.copies.abort(decodeBatch(payload), "the leader aborted it");
          return;
        default:
          throw new Error(`expected a recovery frame (${RecoveryFrame.ClientAddress}..${RecoveryFrame.AbortCopies}), found type ${type}`);
      }
    } catch (error) {
      this.log(`cocytus recovery ${this.config.group}: closing the link to parity process ${this.config.k + q}: ${(error as Error).message}`);
      this.peers[q]?.close();
    }
  }

  private onDataFrame(d: number, type: number, payload: Buffer): boolean {
    if (type === RecoveryFrame.PageSnapshot) {
      const snapshot = decodePageSnapshot(payload);
      this.copies.onSnapshot(snapshot.batch, d, snapshot.stable, snapshot.bytes);
      return true;
    }
    if (type === RecoveryFrame.ClientAddress) {
      const { member, address } = decodeClientAddress(payload);
      this.learnAddress(member, address);
      const own = this.addresses[this.config.index];
      if (own !== null) this.member.sendToData(d, RecoveryFrame.ClientAddress, encodeClientAddress(this.config.index, own));
      return true;
    }
    return false;
  }

  private learnAddress(member: number, address: string): void {
    if (member >= this.addresses.length) throw new Error(`a client address for member ${member}, but the group has ${this.addresses.length} members`);
    this.addresses[member] = address;
    this.viewChanged();
  }

  /** Debug queries about hosted data process d, as its own member would answer them (the consistency check). */
  private hostedDebugSource(d: number): DebugSource {
    const hosted = () => {
      const process = this.hosted.get(d);
      if (process === undefined) throw new Error(`cocytus recovery: data process ${d} is not hosted at member ${this.config.index}`);
      return process;
    };
    return {
      state: () => {
        const dp = hosted().dataProcess;
        return { role: "data", index: d, RT: dp.RT, ST: dp.ST, inFlight: dp.inFlightCount };
      },
      metadata: async () => {
        await this.parity.settled();
        return describeMetadata(hosted().dataProcess.store);
      },
      pages: async (first, count) => Buffer.from(hosted().dataProcess.store.dataArea.view(first * PAGE_SIZE, count * PAGE_SIZE)),
    };
  }

  // ---- the view ----

  private computeView(): CocytusView {
    const { k, m, group } = this.config;
    const self = this.config.index;
    const owners: number[] = [];
    const members: (string | null)[] = [];
    for (let d = 0; d < k; d++) {
      const original = this.dataUp[d] && !this.recovering.has(d) && !this.hosted.has(d);
      owners.push(this.hosted.has(d) ? self : original ? d : -1);
      members.push(original ? this.addresses[d] : null);
    }
    for (let q = 0; q < m; q++) members.push(q === this.parityIndex || this.peerUp(q) ? this.addresses[k + q] : null);
    return { group, epoch: this.epoch, owners, members };
  }

  /** The leader tells everyone when its view changed (a new epoch when owners or liveness did). */
  private viewChanged(): void {
    if (this.closed || !this.isLeader()) return;
    let view = this.computeView();
    const previous = this.pushedView;
    if (previous !== null) {
      const shape = (v: CocytusView) => `${v.owners.join(",")} ${v.members.map((a) => (a === null ? "-" : "+")).join("")}`;
      if (shape(previous) !== shape(view)) {
        this.epoch++;
        view = { ...view, epoch: this.epoch };
      } else if (JSON.stringify(previous) === JSON.stringify(view)) {
        return;
      }
    }
    this.pushedView = view;
    const payload = encodeText(formatCocytusView(view).toString("latin1"));
    for (let d = 0; d < this.config.k; d++) this.member.sendToData(d, RecoveryFrame.View, payload);
    for (const link of this.peers) link?.send(RecoveryFrame.View, payload);
  }

  // ---- serving hosted keys ----

  private ownerOf(key: Uint8Array, start: number, end: number): number {
    if (this.hosted.size === 0) return -1;
    const groups = this.options.groups;
    if (groups === undefined && this.hosted.size === 1) return this.hosted.keys().next().value as number;
    const where = route(key, { mode: "cocytus", groups: groups ?? 1, k: this.config.k }, start, end);
    return where.group === this.config.group || groups === undefined ? where.member : -1;
  }

  private flushHosted(m: Mutation): Promise<Buffer> {
    const replies = [...this.hosted.values()].map((hosted) => Promise.resolve(hosted.execute(m)));
    return Promise.all(replies).then((all) => all[0]);
  }

  private log(line: string): void {
    this.options.log(line);
  }
}
