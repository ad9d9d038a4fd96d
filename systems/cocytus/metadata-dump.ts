/**
 * A plain description of a Store's metadata (items and allocation), to compare a data process's
 * index with its replicas at the parity processes (tests and the debug peer command).
 */
import type { Store } from "../store/index.ts";

export interface ItemDescription {
  /** The key as latin1 text (one char per byte). */
  key: string;
  /** The item's record ref: a replica's must be its data process's, since Updates name records by ref. */
  ref: number;
  offset: number;
  length: number;
  flags: number;
  exptime: number;
  cas: number;
}

export interface MetadataDescription {
  /** Every item, sorted by key. */
  items: ItemDescription[];
  /** Allocated slots and their bytes, from the allocator. */
  liveSlots: number;
  liveSlotBytes: number;
  /** Items whose region the allocator does not hold as allocated (must be 0). */
  unallocatedItems: number;
}

export function describeMetadata(store: Store): MetadataDescription {
  const items: ItemDescription[] = [];
  let unallocatedItems = 0;
  store.forEachItem((handle) => {
    const offset = store.valueOffset(handle);
    const length = store.valueLength(handle);
    if (!store.allocator.isAllocated(offset, length)) unallocatedItems++;
    items.push({ key: store.key(handle).toString("latin1"), ref: handle, offset, length, flags: store.flags(handle), exptime: store.exptime(handle), cas: store.cas(handle) });
  });
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { items, liveSlots: store.allocator.liveSlots, liveSlotBytes: store.allocator.liveSlotBytes, unallocatedItems };
}
