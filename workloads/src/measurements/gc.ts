import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";

/** Garbage collections by kind (named as V8 names them), summed over threads. */
export type GcTotals = Record<string, { count: number; timeMs: number }>;

const KIND_NAMES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "Scavenge",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "MarkSweepCompact",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "IncrementalMarking",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "ProcessWeakCallbacks",
};

/** Counts this thread's garbage collections from now on (YCSB reports the JVM's); call the result to stop and read. */
export function watchGarbageCollections(): () => GcTotals {
  const totals: GcTotals = {};
  const count = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      const kind = ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind) ?? -1;
      const t = (totals[KIND_NAMES[kind] ?? `kind${kind}`] ??= { count: 0, timeMs: 0 });
      t.count++;
      t.timeMs += entry.duration;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  return () => {
    count(observer.takeRecords());
    observer.disconnect();
    return totals;
  };
}

export function addGcTotals(into: GcTotals, more: GcTotals): GcTotals {
  for (const [name, t] of Object.entries(more)) {
    const s = (into[name] ??= { count: 0, timeMs: 0 });
    s.count += t.count;
    s.timeMs += t.timeMs;
  }
  return into;
}
