import type { Store } from "../store/index.ts";
import type { Backend, DirectSet, Mutation, ValueRegion } from "./backend.ts";
import { Replies } from "./replies.ts";
import { executeMutation, StoreWrites } from "./semantics.ts";

/** Plain mode's backend: every write is applied at once to the one store, and answered at once. */
export class PlainBackend implements Backend, DirectSet {
  private readonly writes: StoreWrites;
  readonly directSet: DirectSet = this;
  /** Every write copies what it stores before it returns. */
  readonly keepsInputViews = false;

  constructor(
    readonly store: Store,
    private readonly maxItemSize: number,
  ) {
    this.writes = new StoreWrites(store);
  }

  execute(m: Mutation): Buffer {
    return executeMutation(this.store, m, this.maxItemSize, this.writes);
  }

  reserve(length: number): ValueRegion | null {
    const offset = this.store.reserve(length);
    if (offset < 0) return null;
    return { offset, bytes: this.store.dataArea.view(offset, length) };
  }

  /** memcached's set on a filled region: expired on arrival removes the key; no room is SERVER_ERROR. */
  commit(region: ValueRegion, m: Mutation): Buffer {
    const store = this.store;
    const length = region.bytes.length;
    if (m.exptime !== 0 && m.exptime <= m.now) {
      store.release(region.offset, length);
      const handle = store.lookup(m.key, m.now);
      if (handle >= 0) store.remove(handle);
      return Replies.STORED;
    }
    if (store.publish(m.key, region.offset, length, m.flags, m.exptime) >= 0) return Replies.STORED;
    store.release(region.offset, length);
    const stale = store.lookup(m.key, m.now);
    if (stale >= 0) store.remove(stale);
    return Replies.OUT_OF_MEMORY;
  }

  release(region: ValueRegion): void {
    this.store.release(region.offset, region.bytes.length);
  }
}
