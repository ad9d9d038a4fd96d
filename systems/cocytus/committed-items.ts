/**
 * The items clients may read at a data process: its committed state, as the protocol engine's
 * read path and memcached's semantics see it. Unlike Store.lookup, an expired item is reported
 * missing without being dropped, because dropping it here would change metadata outside the
 * protocol (the parity processes' replicas would no longer match); `onExpired` is told instead,
 * and the data process removes it through the replicated path. Writes never go through here.
 */
import type { ItemStore, Store, StoreStats } from "../store/index.ts";

export class CommittedItems implements ItemStore {
  constructor(
    readonly store: Store,
    private readonly onExpired: (key: Uint8Array) => void = () => {},
  ) {}

  lookup(key: Uint8Array, now: number): number {
    const handle = this.store.index.find(key);
    if (handle < 0) return -1;
    const exptime = this.store.exptime(handle);
    if (exptime !== 0 && exptime <= now) {
      this.onExpired(key);
      return -1;
    }
    return handle;
  }

  value(handle: number): Buffer {
    return this.store.value(handle);
  }

  valueLength(handle: number): number {
    return this.store.valueLength(handle);
  }

  flags(handle: number): number {
    return this.store.flags(handle);
  }

  exptime(handle: number): number {
    return this.store.exptime(handle);
  }

  cas(handle: number): number {
    return this.store.cas(handle);
  }

  set(): number {
    throw new Error("cocytus: a write must go through the data process (execute), not the read view");
  }

  remove(): void {
    throw new Error("cocytus: a delete must go through the data process (execute), not the read view");
  }

  touch(): void {
    throw new Error("cocytus: a touch must go through the data process (execute), not the read view");
  }

  clear(): void {
    throw new Error("cocytus: flush_all must go through the data process (execute), not the read view");
  }

  stats(): StoreStats {
    return this.store.stats();
  }
}
