import type { WriteSink } from "../protocol/semantics.ts";
import type { Store } from "../store/index.ts";
import { storeWithCas } from "./apply-write.ts";
import { WriteOp, type ReplicatedWrite, type WriteBatch } from "./frames.ts";
import type { RemovalLog } from "./removal-log.ts";

/**
 * The primary's WriteSink: executeMutation (memcached's semantics) calls it for each primitive
 * write. Each write that takes effect gets the next seq, is applied to the local store, logged if
 * catch-up needs it, and added to `batch` for the backups (then `onWrite` is called). A store
 * that does not fit is not forwarded (it changed nothing; the semantics then remove the stale
 * item, which is forwarded as a remove).
 */
export class ReplicatingWrites implements WriteSink {
  /** The epoch stamped on forwarded writes. */
  epoch = 1;
  /** Seq of the last write applied here (and forwarded). */
  seq = 0;
  /** Whether anyone receives the writes (false: the primary is alone and skips encoding). */
  forwarding = true;
  private readonly write: ReplicatedWrite = { epoch: 0, seq: 0, op: WriteOp.Store, key: EMPTY, flags: 0, exptime: 0, cas: 0, value: EMPTY };

  constructor(
    private readonly items: Store,
    private readonly log: RemovalLog,
    private readonly batch: WriteBatch,
    private readonly onWrite: () => void,
  ) {}

  store(key: Buffer, value: Uint8Array, flags: number, exptime: number): boolean {
    const seq = this.seq + 1;
    const handle = storeWithCas(this.items, key, value, flags, exptime, seq);
    if (handle < 0) return false;
    this.send(seq, WriteOp.Store, key, flags, this.items.exptime(handle), value);
    return true;
  }

  remove(key: Buffer, handle: number): void {
    this.items.remove(handle);
    this.log.record(this.seq + 1, key);
    this.send(this.seq + 1, WriteOp.Remove, key, 0, 0, EMPTY);
  }

  touch(key: Buffer, handle: number, exptime: number): void {
    this.items.touch(handle, exptime);
    this.log.record(this.seq + 1, key);
    this.send(this.seq + 1, WriteOp.Touch, key, 0, this.items.exptime(handle), EMPTY);
  }

  clear(): void {
    this.items.clear();
    this.log.recordClear(this.seq + 1);
    this.send(this.seq + 1, WriteOp.Clear, EMPTY, 0, 0, EMPTY);
  }

  private send(seq: number, op: WriteOp, key: Uint8Array, flags: number, exptime: number, value: Uint8Array): void {
    this.seq = seq;
    if (!this.forwarding) return;
    const w = this.write;
    w.epoch = this.epoch;
    w.seq = seq;
    w.op = op;
    w.key = key;
    w.flags = flags;
    w.exptime = exptime;
    w.cas = op === WriteOp.Store ? seq : 0;
    w.value = value;
    this.batch.add(w);
    w.key = w.value = EMPTY;
    this.onWrite();
  }
}

const EMPTY = new Uint8Array(0);
