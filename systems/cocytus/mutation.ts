/**
 * memcached's semantics for the SET-class commands, decided against a data process's committed
 * items: what to answer and which change (if any) to make. The data process decides a command
 * only when no earlier command for the same key is in flight, so committed state is the state
 * the command must see.
 */
import type { Store } from "../store/index.ts";
import { ChangeKind } from "./change.ts";

export type MutationOp = "set" | "add" | "replace" | "append" | "prepend" | "cas" | "incr" | "decr" | "touch" | "delete";

export interface Mutation {
  op: MutationOp;
  key: Uint8Array;
  /** set/add/replace/append/prepend/cas: the data block. */
  value?: Uint8Array;
  flags?: number;
  /** Absolute server seconds, 0 for never, negative for "already expired" (set-class and touch). */
  exptime?: number;
  /** cas: the client's CAS unique. */
  casUnique?: number;
  /** incr/decr: the amount (an unsigned 64-bit number). */
  delta?: bigint;
}

/** The answer to a mutation, in memcached's words. */
export type MutationStatus = "STORED" | "NOT_STORED" | "EXISTS" | "NOT_FOUND" | "DELETED" | "TOUCHED" | "OK";

export interface MutationReply {
  status: MutationStatus;
  /** incr/decr: the new value. */
  number?: bigint;
  /** A memcached error line instead of a status (e.g. incr on a non-numeric value). */
  error?: string;
}

/** What deciding a mutation yields: the reply, and the change to make before giving it (if any). */
export interface Decision {
  reply: MutationReply;
  change?: { kind: typeof ChangeKind.Put; value: Uint8Array; flags: number; exptime: number } | { kind: typeof ChangeKind.Remove } | { kind: typeof ChangeKind.Touch; exptime: number };
}

const U64_MASK = (1n << 64n) - 1n;
const NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value";

/** The handle of the key's live item in committed state, or -1; an expired item counts as missing (it is not dropped here). */
export function liveItem(store: Store, key: Uint8Array, now: number): number {
  const handle = store.index.find(key);
  if (handle < 0) return -1;
  const exptime = store.exptime(handle);
  return exptime !== 0 && exptime <= now ? -1 : handle;
}

/** Stored exptime: absolute seconds, 0 for never; "already expired" is kept as 1 (any server time is later). */
export function storedExptime(exptime: number | undefined): number {
  if (exptime === undefined || exptime === 0) return 0;
  if (exptime < 0) return 1;
  return Math.min(Math.floor(exptime), 0xffffffff);
}

export function decideMutation(store: Store, mutation: Mutation, now: number): Decision {
  const handle = liveItem(store, mutation.key, now);
  const put = (value: Uint8Array, flags = mutation.flags ?? 0, exptime = storedExptime(mutation.exptime)): Decision => ({
    reply: { status: "STORED" },
    change: { kind: ChangeKind.Put, value, flags, exptime },
  });
  const value = mutation.value ?? new Uint8Array(0);
  switch (mutation.op) {
    case "set":
      return put(value);
    case "add":
      return handle >= 0 ? { reply: { status: "NOT_STORED" } } : put(value);
    case "replace":
      return handle < 0 ? { reply: { status: "NOT_STORED" } } : put(value);
    case "cas":
      if (handle < 0) return { reply: { status: "NOT_FOUND" } };
      if (store.cas(handle) !== mutation.casUnique) return { reply: { status: "EXISTS" } };
      return put(value);
    case "append":
    case "prepend": {
      if (handle < 0) return { reply: { status: "NOT_STORED" } };
      const old = store.value(handle);
      const joined = mutation.op === "append" ? Buffer.concat([old, value]) : Buffer.concat([value, old]);
      return put(joined, store.flags(handle), store.exptime(handle));
    }
    case "incr":
    case "decr": {
      if (handle < 0) return { reply: { status: "NOT_FOUND" } };
      const old = store.value(handle);
      const current = parseCounter(old);
      if (current === undefined) return { reply: { status: "OK", error: NON_NUMERIC } };
      const delta = mutation.delta ?? 0n;
      const next = mutation.op === "incr" ? (current + delta) & U64_MASK : current > delta ? current - delta : 0n;
      const digits = Buffer.from(next.toString(), "latin1");
      // memcached rewrites a counter in place when the digits fit, padding with spaces.
      const bytes = digits.length <= old.length ? Buffer.concat([digits, Buffer.alloc(old.length - digits.length, 0x20)]) : digits;
      const decision = put(bytes, store.flags(handle), store.exptime(handle));
      decision.reply = { status: "STORED", number: next };
      return decision;
    }
    case "touch":
      if (handle < 0) return { reply: { status: "NOT_FOUND" } };
      return { reply: { status: "TOUCHED" }, change: { kind: ChangeKind.Touch, exptime: storedExptime(mutation.exptime) } };
    case "delete":
      if (handle < 0) return { reply: { status: "NOT_FOUND" } };
      return { reply: { status: "DELETED" }, change: { kind: ChangeKind.Remove } };
  }
}

/** A counter value as memcached reads it: decimal digits, optionally followed by spaces; at most 2^64 - 1. */
function parseCounter(bytes: Uint8Array): bigint | undefined {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0x20) end--;
  if (end === 0 || end > 20) return undefined;
  for (let i = 0; i < end; i++) if (bytes[i] < 0x30 || bytes[i] > 0x39) return undefined;
  const value = BigInt(Buffer.from(bytes.subarray(0, end)).toString("latin1"));
  return value > U64_MASK ? undefined : value;
}
