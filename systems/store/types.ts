/**
 * The store's public surface, as the protocol engine and the replication modes use it.
 * One store per server process: values in pre-reserved ArrayBuffer chunks (the data area),
 * an open-addressing index in typed arrays, keys in an arena. No JS object per item.
 */

export interface StoreOptions {
  /** Upper bound of the data area in bytes (memcached's -m). Reserved, not touched, up front. */
  memoryBytes: number;
  /** Largest value accepted in bytes (memcached's -I; default 1 MiB). */
  maxValueBytes?: number;
  /** Expected item count, to size the index and avoid early rehashing (optional). */
  expectedItems?: number;
}

/** The accounting of DESIGN section 4; every field is in bytes except curr_items. */
export interface StoreStats {
  curr_items: number;
  /** Live value bytes. */
  bytes: number;
  /** Live key bytes. */
  key_bytes: number;
  /** Index, allocator and key-arena overhead beyond the keys' own bytes. */
  metadata_bytes: number;
  /** Bytes of the data area that were ever handed out (touched pages). */
  data_area_bytes: number;
  /** Bytes reserved for values (the data area's limit). */
  limit_maxbytes: number;
  total_items: number;
}

/**
 * A handle names a live item (in Store: its item record). Callers may rely on it only until the
 * next mutation of the store (set, remove, clear, or a lookup that drops an expired item);
 * Store in fact keeps it valid until that item is removed, and an overwrite keeps the handle.
 * Times are server seconds (`Math.floor(Date.now() / 1000)`); exptime 0 means never.
 */
export interface ItemStore {
  /**
   * The handle of the live item with this key, or -1 (expired items count as missing and are dropped).
   * The key is key[start, end) (default: all of it), so a parser can look up a key inside its input
   * buffer without making a subarray.
   */
  lookup(key: Uint8Array, now: number, start?: number, end?: number): number;
  /** A view of the item's value in the data area; valid until the next mutation. */
  value(handle: number): Buffer;
  valueLength(handle: number): number;
  flags(handle: number): number;
  /** Absolute expiry time in server seconds, 0 for never. */
  exptime(handle: number): number;
  cas(handle: number): number;
  /**
   * Stores key -> value (copying the bytes into the data area), replacing any old item,
   * with a fresh CAS. Returns the new handle, or -1 when the data area is full.
   */
  set(key: Uint8Array, value: Uint8Array, flags: number, exptime: number): number;
  /** Removes the item behind the handle; its value region returns to the allocator. */
  remove(handle: number): void;
  touch(handle: number, exptime: number): void;
  /** Removes every item. */
  clear(): void;
  stats(): StoreStats;
}
