/**
 * memcached 1.6's write semantics (do_store_item, do_add_delta, item_touch, delete, flush_all),
 * written against two narrow views of a store: reads through an ItemStore, writes through a
 * WriteSink. Plain mode passes a sink that writes to the same store; a replicated mode passes a
 * sink that also forwards (or only records) the writes. See backend.ts.
 */

import type { ItemStore } from "../store/types.ts";
import { Op, type Mutation } from "./backend.ts";
import { parseUint64 } from "./numbers.ts";
import { Replies } from "./replies.ts";

/** The primitive writes a mutation turns into. Handles refer to the ItemStore the semantics read. */
export interface WriteSink {
  /** Stores key -> value with a fresh CAS; false when there is no room. */
  store(key: Buffer, value: Uint8Array, flags: number, exptime: number): boolean;
  /** Removes the live item `handle` (whose key is `key`). */
  remove(key: Buffer, handle: number): void;
  /** Changes the expiry of the live item `handle`. */
  touch(key: Buffer, handle: number, exptime: number): void;
  /** Removes every item. */
  clear(): void;
}

/** A WriteSink that applies every write to the store itself (plain mode; a replica applying). */
export class StoreWrites implements WriteSink {
  constructor(private readonly target: ItemStore) {}

  store(key: Buffer, value: Uint8Array, flags: number, exptime: number): boolean {
    return this.target.set(key, value, flags, exptime) >= 0;
  }

  remove(_key: Buffer, handle: number): void {
    this.target.remove(handle);
  }

  touch(_key: Buffer, handle: number, exptime: number): void {
    this.target.touch(handle, exptime);
  }

  clear(): void {
    this.target.clear();
  }
}

/** memcached's item header, CAS and "\r\n" overhead counted against the item size (-I). */
const ITEM_OVERHEAD_BYTES = 59;

/**
 * The largest value memcached accepts for a key of `keyLength` bytes with these flags: an item
 * (header 48 + CAS 8 + key + 1 + flags 4 if non-zero + value + 2) must fit in `itemSize` bytes.
 * With the default 1 MiB, a 1-byte key and flags 0 allow 1048516 bytes.
 */
export function maxValueLength(itemSize: number, keyLength: number, flags: number): number {
  return itemSize - ITEM_OVERHEAD_BYTES - keyLength - (flags !== 0 ? 4 : 0);
}

/**
 * memcached stores items above half the item size in chunks and refuses incr/decr on them
 * ("non-numeric"), whatever their text.
 */
function isChunked(itemSize: number, keyLength: number, flags: number, valueLength: number): boolean {
  return itemSize / 2 < itemSize - maxValueLength(itemSize, keyLength, flags) + valueLength;
}

export const OUT_OF_MEMORY_DELTA = Buffer.from("SERVER_ERROR out of memory\r\n", "latin1");

const TWO_64 = 1n << 64n;

/**
 * Executes one mutation with memcached's semantics and returns the reply. Reads go to `items`,
 * writes to `sink` (which may or may not change `items`).
 */
export function executeMutation(items: ItemStore, m: Mutation, itemSize: number, sink: WriteSink): Buffer {
  switch (m.op) {
    case Op.Set:
    case Op.Add:
    case Op.Replace:
    case Op.Cas:
      return storeItem(items, m, sink);
    case Op.Append:
    case Op.Prepend:
      return concatenate(items, m, itemSize, sink);
    case Op.Delete: {
      const handle = items.lookup(m.key, m.now);
      if (handle < 0) return Replies.NOT_FOUND;
      sink.remove(m.key, handle);
      return Replies.DELETED;
    }
    case Op.Incr:
    case Op.Decr:
      return addDelta(items, m, itemSize, sink);
    case Op.Touch: {
      const handle = items.lookup(m.key, m.now);
      if (handle < 0) return Replies.NOT_FOUND;
      if (expiredOnArrival(m)) sink.remove(m.key, handle);
      else sink.touch(m.key, handle, m.exptime);
      return Replies.TOUCHED;
    }
    case Op.FlushAll:
      sink.clear();
      return Replies.OK;
  }
}

function expiredOnArrival(m: Mutation): boolean {
  return m.exptime !== 0 && m.exptime <= m.now;
}

/** set, add, replace, cas (do_store_item). */
function storeItem(items: ItemStore, m: Mutation, sink: WriteSink): Buffer {
  const op = m.op;
  // A plain set needs no lookup unless it must remove the old item.
  if (op === Op.Set && !expiredOnArrival(m)) {
    if (sink.store(m.key, m.value, m.flags, m.exptime)) return Replies.STORED;
    // As memcached: a set that cannot be stored must not leave the stale value readable.
    const stale = items.lookup(m.key, m.now);
    if (stale >= 0) sink.remove(m.key, stale);
    return Replies.OUT_OF_MEMORY;
  }
  const handle = items.lookup(m.key, m.now);
  if (handle >= 0) {
    if (op === Op.Add) return Replies.NOT_STORED;
    if (op === Op.Cas && (m.cas === 0 || items.cas(handle) !== m.cas)) return Replies.EXISTS;
  } else {
    if (op === Op.Replace) return Replies.NOT_STORED;
    if (op === Op.Cas) return Replies.NOT_FOUND;
  }
  if (expiredOnArrival(m)) {
    if (handle >= 0) sink.remove(m.key, handle);
    return Replies.STORED;
  }
  return sink.store(m.key, m.value, m.flags, m.exptime) ? Replies.STORED : Replies.OUT_OF_MEMORY;
}

/** append, prepend: the old item's flags and expiry stay; too large or no room is NOT_STORED. */
function concatenate(items: ItemStore, m: Mutation, itemSize: number, sink: WriteSink): Buffer {
  const handle = items.lookup(m.key, m.now);
  if (handle < 0) return Replies.NOT_STORED;
  const flags = items.flags(handle);
  const exptime = items.exptime(handle);
  const old = items.value(handle);
  const total = old.length + m.value.length;
  if (total > maxValueLength(itemSize, m.key.length, flags)) return Replies.NOT_STORED;
  const joined = Buffer.allocUnsafe(total);
  if (m.op === Op.Append) {
    old.copy(joined, 0);
    m.value.copy(joined, old.length);
  } else {
    m.value.copy(joined, 0);
    old.copy(joined, m.value.length);
  }
  return sink.store(m.key, joined, flags, exptime) ? Replies.STORED : Replies.NOT_STORED;
}

/**
 * incr, decr (do_add_delta): the value must be decimal text (leading whitespace allowed, anything
 * after the digits must start with whitespace); incr wraps at 2^64, decr stops at 0. A result no
 * longer than the old value is written in place, padded with spaces (memcached's observable
 * behaviour); a longer one replaces it. Flags and expiry stay.
 */
function addDelta(items: ItemStore, m: Mutation, itemSize: number, sink: WriteSink): Buffer {
  const handle = items.lookup(m.key, m.now);
  if (handle < 0) return Replies.NOT_FOUND;
  const flags = items.flags(handle);
  const old = items.value(handle);
  if (old.length === 0 || isChunked(itemSize, m.key.length, flags, old.length)) return Replies.NON_NUMERIC;
  const current = parseUint64(old, 0, numericEnd(old));
  if (current === null) return Replies.NON_NUMERIC;
  let next: bigint;
  if (m.op === Op.Incr) next = (current + m.delta) % TWO_64;
  else next = m.delta > current ? 0n : current - m.delta;
  const digits = next.toString();
  const length = Math.max(digits.length, old.length);
  const value = Buffer.alloc(length, 0x20);
  value.write(digits, 0, "latin1");
  const exptime = items.exptime(handle);
  if (!sink.store(m.key, value, flags, exptime)) return OUT_OF_MEMORY_DELTA;
  return Buffer.from(`${digits}\r\n`, "latin1");
}

/** C stops reading the item's text at a NUL byte; the bytes before it are what strtoull sees. */
function numericEnd(value: Buffer): number {
  const nul = value.indexOf(0);
  return nul < 0 ? value.length : nul;
}
