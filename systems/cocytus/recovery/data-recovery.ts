/**
 * Recovery at a data process: it answers the leader's page snapshot requests (page and ST in one
 * step, on the links that carry its Updates and Commits), keeps the leader's latest view for the
 * `view` command, and tells the parity processes its client address.
 */
import type { Backend, ExtensionCommand } from "../../protocol/backend.ts";
import type { DataMember } from "../data-member.ts";
import type { GroupConfig } from "../group-config.ts";
import { decodeClientAddress, decodeSnapshotRequest, decodeText, encodeClientAddress, RecoveryFrame } from "./frames.ts";
import { answerSnapshotRequest } from "./page-snapshot.ts";
import { formatCocytusView, parseCocytusView, type CocytusView } from "./view.ts";

export class DataRecovery {
  private readonly addresses: (string | null)[];
  private readonly parityUp: boolean[];
  private receivedView: CocytusView | null = null;
  private snapshotsAnswered = 0;
  private pagesSent = 0;

  private constructor(
    private readonly config: GroupConfig,
    private readonly member: DataMember,
    private readonly log: (line: string) => void,
  ) {
    this.addresses = new Array<string | null>(config.k + config.m).fill(null);
    this.parityUp = new Array<boolean>(config.m).fill(true);
  }

  /** Hooks recovery into a started data member. */
  static attach(config: GroupConfig, member: DataMember, log: (line: string) => void): DataRecovery {
    const recovery = new DataRecovery(config, member, log);
    member.onOtherFrame = (p, type, payload) => recovery.onFrame(p, type, payload);
    member.onParityLinkDown = (p) => {
      recovery.parityUp[p] = false;
    };
    return recovery;
  }

  /** This process's client address, once its listener is open: told to every parity process. */
  setClientAddress(host: string, port: number): void {
    const address = `${host}:${port}`;
    this.addresses[this.config.index] = address;
    for (let p = 0; p < this.config.m; p++) this.member.sendToParity(p, RecoveryFrame.ClientAddress, encodeClientAddress(this.config.index, address));
  }

  /** The data backend with `view` and the recovery stats added. */
  backend(base: Backend): Backend {
    const commands = new Map<string, ExtensionCommand>(base.commands ?? []);
    commands.set("view", () => formatCocytusView(this.view()));
    return { ...base, commands, stats: () => ({ ...base.stats?.(), recovery_snapshots_answered: this.snapshotsAnswered, recovery_pages_sent: this.pagesSent }) };
  }

  close(): void {
    this.member.onOtherFrame = undefined;
    this.member.onParityLinkDown = undefined;
  }

  /** The leader's latest view, or (before any) this process's own idea of the group. */
  view(): CocytusView {
    if (this.receivedView !== null) return this.receivedView;
    const { k, m, group, index } = this.config;
    const members = this.addresses.map((address, x) => (x === index || (x >= k && this.parityUp[x - k]) ? address : null));
    return { group, epoch: 1, owners: Array.from({ length: k }, (_, d) => d), members: members.slice(0, k + m) };
  }

  private onFrame(p: number, type: number, payload: Buffer): void {
    try {
      switch (type) {
        case RecoveryFrame.SnapshotRequest: {
          const request = decodeSnapshotRequest(payload);
          answerSnapshotRequest(this.member.dataProcess, request, (target, frameType, framePayload) => this.member.sendToParity(target, frameType, framePayload));
          this.snapshotsAnswered++;
          this.pagesSent += request.pages.length;
          return;
        }
        case RecoveryFrame.View: {
          const view = parseCocytusView(decodeText(payload, "cocytus view"));
          if (view.epoch >= (this.receivedView?.epoch ?? 0)) this.receivedView = view;
          return;
        }
        case RecoveryFrame.ClientAddress: {
          const { member, address } = decodeClientAddress(payload);
          if (member < this.addresses.length) this.addresses[member] = address;
          return;
        }
        default:
          throw new Error(`expected an Ack or a recovery frame, found type ${type}`);
      }
    } catch (error) {
      this.log(`cocytus data ${this.config.group}/${this.config.index}: ignored a frame from parity process ${this.config.k + p}: ${(error as Error).message}`);
    }
  }
}
