/**
 * The state memcached's semantics must decide a write against at a data process: its committed
 * items, overlaid with the writes it received but has not completed yet (the latest planned
 * state of each key with writes in flight). Writes to one key can then be in flight together (a
 * hot key does not wait a round trip per write), and `add` after an in-flight `add`, `incr` after
 * an in-flight `incr`, or `cas` with the unique an in-flight write will give all behave as if the
 * earlier write had completed. Reads by clients still see committed state only (CommittedItems).
 */
import type { ItemStore, StoreStats } from "../store/index.ts";
import type { CommittedItems } from "./committed-items.ts";

/** The planned state of a key with writes in flight. */
export interface PendingItem {
  /** Writes of this key in flight. */
  writes: number;
  /** The ts of the latest of them (set once it is sent; an Update of the key names it as recordAfter). */
  lastTs: number;
  /** false after a planned Remove. */
  present: boolean;
  value: Uint8Array;
  flags: number;
  /** Absolute server seconds, 0 for never. */
  exptime: number;
  cas: number;
}

/** The handle of the key last looked up in the overlay (committed handles are record refs, far below). */
const PENDING_HANDLE = 2 ** 52;

export class PendingItems implements ItemStore {
  /** Keys (latin1) with writes in flight. */
  readonly pending = new Map<string, PendingItem>();
  private current: PendingItem | null = null;

  constructor(private readonly committed: CommittedItems) {}

  /** The planned state of a key, or undefined when no write of it is in flight. */
  get(keyId: string): PendingItem | undefined {
    return this.pending.get(keyId);
  }

  /** Records a planned write: `next` is the key's state once it completes. */
  plan(keyId: string, next: Omit<PendingItem, "writes" | "lastTs">): void {
    const item = this.pending.get(keyId);
    if (item === undefined) this.pending.set(keyId, { writes: 1, lastTs: 0, ...next });
    else Object.assign(item, next, { writes: item.writes + 1 });
  }

  /** One write of the key completed. */
  completed(keyId: string): void {
    const item = this.pending.get(keyId);
    if (item !== undefined && --item.writes === 0) this.pending.delete(keyId);
  }

  lookup(key: Uint8Array, now: number): number {
    const item = this.pending.get(Buffer.from(key.buffer, key.byteOffset, key.length).toString("latin1"));
    if (item === undefined) return this.committed.lookup(key, now);
    if (!item.present || (item.exptime !== 0 && item.exptime <= now)) return -1;
    this.current = item;
    return PENDING_HANDLE;
  }

  value(handle: number): Buffer {
    if (handle !== PENDING_HANDLE) return this.committed.value(handle);
    const value = this.current!.value;
    return Buffer.from(value.buffer, value.byteOffset, value.length);
  }

  valueLength(handle: number): number {
    return handle === PENDING_HANDLE ? this.current!.value.length : this.committed.valueLength(handle);
  }

  flags(handle: number): number {
    return handle === PENDING_HANDLE ? this.current!.flags : this.committed.flags(handle);
  }

  exptime(handle: number): number {
    return handle === PENDING_HANDLE ? this.current!.exptime : this.committed.exptime(handle);
  }

  cas(handle: number): number {
    return handle === PENDING_HANDLE ? this.current!.cas : this.committed.cas(handle);
  }

  set(): number {
    return this.committed.set();
  }

  remove(): void {
    this.committed.remove();
  }

  touch(): void {
    this.committed.touch();
  }

  clear(): void {
    this.committed.clear();
  }

  stats(): StoreStats {
    return this.committed.stats();
  }
}
