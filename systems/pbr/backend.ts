import type { Backend, ExtensionCommand, Mutation } from "../protocol/backend.ts";
import type { PbrMember } from "./member.ts";
import { formatView, NOT_PRIMARY_REPLY } from "./view.ts";

/**
 * The protocol engine's Backend for a pbr member (see systems/protocol/backend.ts): the primary
 * reads from its store and sends writes through the member (replies wait for the backups' acks);
 * any other member refuses reads and writes with `SERVER_ERROR not primary`. Every member answers
 * `view` (format in view.ts) and adds its role, epoch and seqs to `stats`.
 */
export class PbrBackend implements Backend {
  readonly commands: ReadonlyMap<string, ExtensionCommand>;
  /**
   * The primary applies a write to its store and frames a copy of it for the backups before
   * execute returns, so it keeps nothing it is handed: the engine reads its clients lent.
   */
  readonly keepsInputViews = false;

  constructor(private readonly member: PbrMember) {
    this.commands = new Map<string, ExtensionCommand>([["view", () => formatView(member.view())]]);
  }

  get store() {
    return this.member.store;
  }

  execute(m: Mutation): Buffer | Promise<Buffer> {
    return this.member.execute(m);
  }

  beforeRead(): Buffer | undefined {
    return this.member.isPrimary ? undefined : NOT_PRIMARY_REPLY;
  }

  stats(): Record<string, number | string> {
    const member = this.member;
    const summary = member.lastCatchUp;
    return {
      pbr_role: member.role,
      pbr_group: member.config.group,
      pbr_index: member.config.index,
      pbr_epoch: member.epoch,
      pbr_primary: member.primary,
      pbr_applied_seq: member.seq,
      pbr_acked_seq: member.ackedSeq,
      pbr_pending_writes: member.pendingWrites,
      pbr_live_members: member.liveMembers,
      pbr_apply_failures: member.applyFailures,
      pbr_failovers: member.failovers,
      pbr_last_takeover_ms: member.lastTakeoverMs,
      pbr_last_catch_up_items: summary?.items ?? 0,
      pbr_last_catch_up_removes: summary?.removes ?? 0,
      pbr_last_catch_up_full: summary?.full ? 1 : 0,
    };
  }
}
