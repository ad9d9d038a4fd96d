/**
 * The read view of a recovery leader's client port: the committed items of the data processes it
 * hosts, one ItemStore for the protocol engine. A handle carries the data index in its low 4 bits
 * (k ≤ 16), so value(handle) reaches the right store. Writes go through the hosted processes.
 */
import type { ItemStore, StoreStats } from "../../store/index.ts";
import type { HostedDataProcess } from "./hosted-data.ts";

const INDEX_BITS = 16;

export class HostedItems implements ItemStore {
  constructor(
    private readonly hosted: ReadonlyMap<number, HostedDataProcess>,
    /** The hosted data index that owns a key (the backend refuses keys no hosted process owns). */
    private readonly ownerOf: (key: Uint8Array, start: number, end: number) => number,
  ) {}

  lookup(key: Uint8Array, now: number, start = 0, end = key.length): number {
    const d = this.ownerOf(key, start, end);
    const items = this.hosted.get(d)?.dataProcess.items;
    if (items === undefined) return -1;
    const handle = items.lookup(start === 0 && end === key.length ? key : key.subarray(start, end), now);
    return handle < 0 ? -1 : handle * INDEX_BITS + d;
  }

  value(handle: number): Buffer {
    return this.items(handle).value(Math.floor(handle / INDEX_BITS));
  }

  valueLength(handle: number): number {
    return this.items(handle).valueLength(Math.floor(handle / INDEX_BITS));
  }

  flags(handle: number): number {
    return this.items(handle).flags(Math.floor(handle / INDEX_BITS));
  }

  exptime(handle: number): number {
    return this.items(handle).exptime(Math.floor(handle / INDEX_BITS));
  }

  cas(handle: number): number {
    return this.items(handle).cas(Math.floor(handle / INDEX_BITS));
  }

  set(): number {
    throw new Error("cocytus recovery: a write must go through the hosted data process, not the read view");
  }

  remove(): void {
    throw new Error("cocytus recovery: a delete must go through the hosted data process, not the read view");
  }

  touch(): void {
    throw new Error("cocytus recovery: a touch must go through the hosted data process, not the read view");
  }

  clear(): void {
    throw new Error("cocytus recovery: flush_all must go through the hosted data process, not the read view");
  }

  /** The hosted processes' stores, summed. */
  stats(): StoreStats {
    const total: StoreStats = { curr_items: 0, bytes: 0, key_bytes: 0, metadata_bytes: 0, data_area_bytes: 0, limit_maxbytes: 0, total_items: 0 };
    for (const hosted of this.hosted.values()) {
      const stats = hosted.dataProcess.store.stats();
      for (const field of Object.keys(total) as (keyof StoreStats)[]) total[field] += stats[field];
    }
    return total;
  }

  private items(handle: number) {
    const hosted = this.hosted.get(handle % INDEX_BITS);
    if (hosted === undefined) throw new Error(`cocytus recovery: no hosted data process for handle ${handle}`);
    return hosted.dataProcess.items;
  }
}
