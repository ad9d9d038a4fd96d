import type { Store } from "../store/index.ts";
import { WriteOp, type ReplicatedWrite } from "./frames.ts";

/**
 * Stores key → value with the given CAS (the write's seq: every member of a group gives an item
 * the same CAS). Returns the handle, or -1 when the data area or the record arena is full.
 */
export function storeWithCas(store: Store, key: Uint8Array, value: Uint8Array, flags: number, exptime: number, cas: number): number {
  const offset = store.reserve(value.length);
  if (offset < 0) return -1;
  store.dataArea.write(offset, value);
  const handle = store.publish(key, offset, value.length, flags, exptime, cas);
  if (handle < 0) store.release(offset, value.length);
  return handle;
}

/**
 * Applies a write received from the primary. Lookups ignore expiry (now = 0): a replica follows
 * the primary's decisions and never drops an item on its own. Returns false when a store did not
 * fit; the key's old value is removed then, so the replica never holds a stale value.
 */
export function applyWrite(store: Store, w: ReplicatedWrite): boolean {
  switch (w.op) {
    case WriteOp.Store: {
      if (storeWithCas(store, w.key, w.value, w.flags, w.exptime, w.cas) >= 0) return true;
      const stale = store.lookup(w.key, 0);
      if (stale >= 0) store.remove(stale);
      return false;
    }
    case WriteOp.Remove: {
      const handle = store.lookup(w.key, 0);
      if (handle >= 0) store.remove(handle);
      return true;
    }
    case WriteOp.Touch: {
      const handle = store.lookup(w.key, 0);
      if (handle >= 0) store.touch(handle, w.exptime);
      return true;
    }
    case WriteOp.Clear:
      store.clear();
      return true;
  }
}
