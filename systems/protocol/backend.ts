/**
 * The seam between the memcached protocol and a server mode.
 *
 * The protocol engine (engine.ts) owns everything a client sees: framing, tokenizing, argument
 * checks with memcached's exact error replies, noreply, size limits, get/gets/gat/gats, stats,
 * version, verbosity, quit, and the in-order reply queue of each connection. A mode supplies a
 * `Backend`: the store reads come from, and `execute()` for every write.
 *
 * Plain mode (plain-backend.ts) executes each mutation at once on its Store and returns the reply.
 * A replicated mode returns a Promise instead and resolves it when the write is safe (PBR: both
 * backups acknowledged; Cocytus: every parity process acknowledged). The engine keeps replies in
 * request order: a connection's later replies wait for the Promise, while the connection keeps
 * reading and executing later writes (pipelining). A read (get/gets/gat/gats) on a connection
 * waits until that connection's earlier writes completed, so a client reads its own writes.
 *
 * How to implement a Backend (pbr, cocytus):
 * - `execute(m)` is called synchronously, in the order requests arrived on each connection, and
 *   across connections in the order the event loop delivered them. `m` is reused by the engine
 *   after execute returns: copy the fields you need. `m.key` and `m.value` are views of received
 *   bytes that nobody ever overwrites: you may keep them (they pin up to one 64 KiB read buffer),
 *   unless the backend sets `keepsInputViews: false` (plain and a pbr primary, which copy at
 *   once, and a cocytus data process, which copies what it keeps of a request): the engine then
 *   reads the connection without copying every read.
 * - memcached's semantics (add only if absent, replace only if present, cas compare, append/prepend
 *   keeping the old flags and expiry, incr/decr on 64-bit decimal text with space padding, touch,
 *   expired-on-arrival items) live in `executeMutation()` (semantics.ts). It reads through an
 *   ItemStore and writes only through a `WriteSink`, so a mode can
 *     (a) apply writes to its own store and also forward them (PBR primary: a sink that applies
 *         locally and frames each write for the backups), or
 *     (b) plan without applying (a sink that records the write; apply it later, e.g. after the
 *         parity acknowledged). Then later mutations of the same key must see the planned state:
 *         keep a per-key overlay of writes not yet applied, or serialize same-key writes.
 * - Return one of `Replies` (or the incr/decr digits line) synchronously, or a Promise of it. A
 *   rejected Promise is answered with `SERVER_ERROR <message>`; the connection stays usable.
 * - Reads call `store.lookup(key, now)`, which drops an item found expired (as memcached does);
 *   a mode whose store must change only through its write path should expose a store whose
 *   lookup does not remove (or accept that expiry removal is local).
 * - `beforeRead(key)` lets a mode delay or refuse reads: return a Promise to serve the read once it
 *   settles (e.g. the key's page is being repaired), a Buffer to answer the whole command with it
 *   (e.g. `SERVER_ERROR not the owner of this key`), or undefined to serve it at once from `store`.
 * - `commands` adds extra commands (those memcached answers with ERROR), e.g. `view`.
 * - `stats()` adds or overrides fields of the `stats` reply (parity_bytes, metadata_replica_bytes).
 */

import type { ItemStore } from "../store/types.ts";

/** The write operations a client can ask for. */
export const Op = {
  Set: 1,
  Add: 2,
  Replace: 3,
  Append: 4,
  Prepend: 5,
  Cas: 6,
  Delete: 7,
  Incr: 8,
  Decr: 9,
  Touch: 10,
  /** Removes every item now (a delayed flush_all is timed by the engine and arrives when due). */
  FlushAll: 11,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Names of the operations, for logs and errors. */
export const OP_NAMES: Record<Op, string> = {
  1: "set",
  2: "add",
  3: "replace",
  4: "append",
  5: "prepend",
  6: "cas",
  7: "delete",
  8: "incr",
  9: "decr",
  10: "touch",
  11: "flush_all",
};

/** One write request, already validated against memcached's syntax and size limits. */
export interface Mutation {
  op: Op;
  /** The key (1..250 bytes); empty for FlushAll. */
  key: Buffer;
  /** Set/Add/Replace/Append/Prepend/Cas: the data block without its "\r\n"; empty otherwise. */
  value: Buffer;
  /** Client flags (unsigned 32-bit). */
  flags: number;
  /**
   * Expiry as absolute server seconds (unix time); 0 = never. A time <= `now` means the item is
   * expired on arrival (memcached stores it and it is gone at once). Set-family and Touch only.
   */
  exptime: number;
  /** Cas: the client's unique; 0 never matches; -1 stands for a value above 2^53 (never matches). */
  cas: number;
  /** Incr/Decr: the unsigned 64-bit delta. */
  delta: bigint;
  /** Server time (unix seconds) when the request arrived. */
  now: number;
  /** Whether the client asked for no reply (the engine drops the reply; the write still happens). */
  noreply: boolean;
}

/** An extra command: gets the tokens of its line (command name first) and returns the reply lines. */
export type ExtensionCommand = (args: Buffer[]) => Buffer | Promise<Buffer>;

/** A reserved region of the store's data area that a value is received into (see DirectSet). */
export interface ValueRegion {
  /** The region's bytes (exactly the value's length). */
  readonly bytes: Buffer;
  readonly offset: number;
}

/**
 * Optional fast path for `set` (plain mode): a value that does not arrive in one read is copied
 * from the socket's reads straight into a reserved region of the data area, then published, so
 * the load path copies each byte once (a value that arrives whole is a view of the read and
 * copied once by store.set anyway).
 */
export interface DirectSet {
  /** A region for `length` bytes, or null when there is no room (the engine then buffers the value). */
  reserve(length: number): ValueRegion | null;
  /** Stores m.key -> the filled region with memcached's set semantics; returns the reply. */
  commit(region: ValueRegion, m: Mutation): Buffer;
  /** Gives back a region that will not be published (bad data chunk, connection closed). */
  release(region: ValueRegion): void;
}

/** What a server mode provides to the protocol engine. */
export interface Backend {
  /** Items as clients may read them (committed state); get/gets/gat/gats are served from here. */
  readonly store: ItemStore;
  /** Performs a write; returns its reply, or a Promise of it when the write completes later. */
  execute(m: Mutation): Buffer | Promise<Buffer>;
  /** Optional gate before a key is read: undefined = read now, Buffer = answer this, Promise = read after it. */
  beforeRead?(key: Buffer): Buffer | Promise<void> | undefined;
  /** Extra commands by name (only names memcached does not know). */
  readonly commands?: ReadonlyMap<string, ExtensionCommand>;
  /** Extra or overriding `stats` fields. */
  stats?(): Record<string, number | string>;
  /** Optional: receive split `set` values straight into the data area (plain mode). */
  readonly directSet?: DirectSet;
  /**
   * False promises that nothing the engine hands this backend (m.key and m.value of execute and
   * directSet.commit, beforeRead's key, extension arguments) is referenced once the call returns.
   * The engine may then read the connection straight from the shared read buffer, which the next
   * read overwrites, instead of copying every read (plain mode). Default true.
   */
  readonly keepsInputViews?: boolean;
}
