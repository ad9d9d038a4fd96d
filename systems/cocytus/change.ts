/**
 * The metadata change a SET-class request makes, as the data process sends it to the parity
 * processes with the request's diff. Applying the same changes in the same (timestamp) order to
 * the data process's Store and to a parity process's replica of it gives the same index and the
 * same allocated regions: that is how metadata is replicated (primary-backup), while values are
 * erasure coded.
 */
import type { Store } from "../store/index.ts";

export const ChangeKind = {
  /** key → [offset, offset + length) with flags, exptime, cas; the value bytes change there. */
  Put: 1,
  /** The key's item goes, its region returns to the allocator; no data change. */
  Remove: 2,
  /** The key's exptime changes; no data change. */
  Touch: 3,
  /** Every item goes (flush_all); no data change. */
  Flush: 4,
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface Change {
  kind: ChangeKind;
  /** The key (empty for Flush). */
  key: Uint8Array;
  /** Put: the value's region. */
  offset: number;
  length: number;
  flags: number;
  /** Absolute server seconds, 0 for never (Put and Touch). */
  exptime: number;
  /** Put: the item's new CAS unique, chosen by the data process. */
  cas: number;
}

/**
 * Applies a change's metadata to the data process's own Store (it reserved a Put's region when it
 * received the request). Returns false when the record arena is full (the Put is undone and its
 * region released; the replicas fail alike, as their arenas evolve alike).
 */
export function applyChangeMetadata(store: Store, change: Change): boolean {
  switch (change.kind) {
    case ChangeKind.Put: {
      const { key, offset, length, flags, exptime, cas } = change;
      if (store.publish(key, offset, length, flags, exptime, cas) >= 0) return true;
      // publish fails only when it would add a record for a new key, so the region is not an item's: release it.
      store.release(offset, length);
      return false;
    }
    case ChangeKind.Remove: {
      const handle = store.index.find(change.key);
      if (handle >= 0) store.remove(handle);
      return true;
    }
    case ChangeKind.Touch: {
      const handle = store.index.find(change.key);
      if (handle >= 0) store.touch(handle, change.exptime);
      return true;
    }
    case ChangeKind.Flush:
      store.clear();
      return true;
  }
}

/**
 * Applies a change's metadata to a parity process's replica of the data process's Store, which
 * has no key table: `record` is the key's record there before the change (-1 for none), as the
 * Update named it. The replica claims a Put's region (Store.replicatePut). Returns the key's record
 * after the change (-1 for none), which a later Update of the key may refer to.
 */
export function applyChangeToReplica(replica: Store, change: Change, record: number): number {
  // A record that holds another key means the replica went its own way: refuse rather than corrupt it.
  if (record >= 0 && !replica.index.records.keyEquals(record, change.key, 0, change.key.length)) {
    throw new Error(`cocytus replica: an update of key ${JSON.stringify(Buffer.from(change.key).toString("latin1"))} names record ${record}, which holds key ${JSON.stringify(replica.key(record).toString("latin1"))}`);
  }
  switch (change.kind) {
    case ChangeKind.Put:
      return replica.replicatePut(record, change.key, change.offset, change.length, change.flags, change.exptime, change.cas);
    case ChangeKind.Remove:
      if (record >= 0) replica.remove(record);
      return -1;
    case ChangeKind.Touch:
      if (record >= 0) replica.touch(record, change.exptime);
      return record;
    case ChangeKind.Flush:
      replica.clear();
      return -1;
  }
}
