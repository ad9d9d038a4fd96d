/**
 * Waiting for RSS to settle after a load. Our servers run a memory-reducing, compacting collection
 * once their input stops (systems/runtime/idle-collection.ts); RSS read before it is over still
 * holds the load's garbage and half-empty heap pages. A fixed pause is not enough on a slower or
 * busier machine: in CI, 25 cocytus processes going quiet at once on 2 cores read 4.42 bytes of RSS
 * per value byte after Zipf where this machine reads 3.42.
 */
import { sleepUnlessAborted, throwIfAborted } from "./cleanup.ts";
import { numericStat, type ServerStats } from "./server-stats.ts";

/** Longest wait for the idle collections after a load (25 processes collect on 2 cores). */
export const COLLECTION_TIMEOUT_MS = 30_000;

export interface SettleOptions {
  /** Longest wait for the collections (default COLLECTION_TIMEOUT_MS; the processes still pending then are returned). */
  timeoutMs?: number;
  /** Pause after the last collection, for the pages it freed to leave RSS. */
  afterMs: number;
  pollMs?: number;
  signal: AbortSignal;
}

/**
 * Waits until no process has an idle collection coming or running (`gc_idle_pending` is 0 where it
 * is reported; native memcached does not report it and is not waited for), then `afterMs` more.
 * Returns the ids of the processes still pending at `timeoutMs`: the caller names them.
 */
export async function settleIdleCollections(readStats: () => Promise<Map<string, ServerStats>>, options: SettleOptions): Promise<string[]> {
  const { timeoutMs = COLLECTION_TIMEOUT_MS, afterMs, pollMs = 250, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let pending: string[];
  for (;;) {
    pending = [...(await readStats())].filter(([, stats]) => (numericStat(stats, "gc_idle_pending") ?? 0) > 0).map(([id]) => id);
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleepUnlessAborted(pollMs, signal);
    throwIfAborted(signal);
  }
  await sleepUnlessAborted(afterMs, signal);
  throwIfAborted(signal);
  return pending;
}
