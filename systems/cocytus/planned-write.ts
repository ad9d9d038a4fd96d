/**
 * A WriteSink (the protocol's seam for memcached's semantics) that plans a write instead of
 * making it: it chooses the region of a store (step 1 of a SET: reuse the item's region when the
 * new value needs the same slot size and no write of the key is in flight, else allocate one)
 * and records the metadata change. The data process then sends the change to the parity
 * processes and applies it once they all acknowledged it.
 */
import type { WriteSink } from "../protocol/semantics.ts";
import type { Store } from "../store/index.ts";
import { ChangeKind, type Change } from "./change.ts";

export class PlannedWrite implements WriteSink {
  /** The change of the last mutation planned, if it makes one. */
  change: Change | undefined;
  /** A Put's new value bytes. */
  value: Uint8Array | undefined;
  /** The last CAS unique handed out (the next Put gets a larger one). */
  private lastCas = 0;

  constructor(
    private readonly target: Store,
    /** Whether a write of the key is in flight (its region must not be reused in place then). */
    private readonly inFlight: (key: Buffer) => boolean = () => false,
  ) {}

  /** Forgets the previous plan before the next mutation. */
  reset(): void {
    this.change = undefined;
    this.value = undefined;
  }

  store(key: Buffer, value: Uint8Array, flags: number, exptime: number): boolean {
    const target = this.target;
    if (value.length > target.maxValueBytes) return false;
    const allocator = target.allocator;
    const old = target.index.find(key);
    let offset: number;
    if (old >= 0 && allocator.slotSize(target.valueLength(old)) === allocator.slotSize(value.length) && !this.inFlight(key)) {
      offset = target.valueOffset(old);
    } else {
      offset = target.reserve(value.length);
      if (offset < 0) return false;
    }
    this.lastCas = Math.max(this.lastCas, target.currentCas) + 1;
    this.plan({ kind: ChangeKind.Put, key, offset, length: value.length, flags, exptime: storedExptime(exptime), cas: this.lastCas });
    this.value = value;
    return true;
  }

  remove(key: Buffer): void {
    this.plan({ kind: ChangeKind.Remove, key, offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 });
  }

  touch(key: Buffer, _handle: number, exptime: number): void {
    this.plan({ kind: ChangeKind.Touch, key, offset: 0, length: 0, flags: 0, exptime: storedExptime(exptime), cas: 0 });
  }

  clear(): void {
    this.plan({ kind: ChangeKind.Flush, key: Buffer.alloc(0), offset: 0, length: 0, flags: 0, exptime: 0, cas: 0 });
  }

  private plan(change: Change): void {
    if (this.change !== undefined) {
      throw new Error(`cocytus: one mutation planned two writes (kinds ${this.change.kind} and ${change.kind}); expected at most one`);
    }
    this.change = change;
  }
}

/** Exptime as a u32 on the wire and in the index: absolute seconds, 0 for never, 1 for "already expired". */
function storedExptime(exptime: number): number {
  if (exptime < 0) return 1;
  return Math.min(Math.floor(exptime), 0xffffffff);
}
