/**
 * Frees dead input buffers promptly. Socket input lives in buffers allocated outside V8's heap (a
 * copy per read for "kept" chunks in socket-input.ts, for a backend that keeps views of its
 * input; a copy per frame for peer payloads a handler does not take lent; a fresh buffer per read
 * for a socket read as a stream), freed only when their small JS wrappers are collected. (Input
 * read "lent" leaves little for this to free; it is counted here all the same, for the idle
 * collection and one rule for every mode.) The request path allocates little JavaScript garbage,
 * so young-generation collections are rare and tens of MB of dead input buffers pile up in
 * malloc's heap, where they show up as RSS charged to the scheme. Counting input bytes and asking
 * V8 for a young-generation collection (about 60 µs here) every `collectEveryBytes` bounds that
 * backlog.
 */
import { exposedGc } from "./exposed-gc.ts";
import { IdleCollector, memoryReducingCollection } from "./idle-collection.ts";

/**
 * 256 KiB: at 100 MB/s of input that is 400 collections a second, ~2 % of a core. (1 MiB measured
 * the same in fig-memory within its noise; the smaller bound keeps the backlog smaller.)
 */
export const COLLECT_EVERY_BYTES = 256 * 1024;

export type Collect = () => void;

/** Counts input bytes and calls `collect` once per `collectEveryBytes` of them. */
export class ReadBufferCollector {
  private pending = 0;
  collections = 0;

  constructor(
    private readonly collect: Collect,
    private readonly collectEveryBytes = COLLECT_EVERY_BYTES,
    /** Told of every input byte too, to collect once the input stops. */
    readonly idle?: IdleCollector,
  ) {
    if (!(collectEveryBytes > 0)) throw new Error(`read-buffer collector: collectEveryBytes must be positive, found ${collectEveryBytes}`);
  }

  /** Notes `bytes` read from a socket; collects when the threshold is crossed. */
  received(bytes: number): void {
    this.idle?.input(bytes);
    this.pending += bytes;
    if (this.pending < this.collectEveryBytes) return;
    this.pending = 0;
    this.collections++;
    this.collect();
  }
}

/** V8's own young-generation collection. */
export function youngGenerationCollection(): Collect {
  const gc = exposedGc();
  return () => gc({ type: "minor" });
}

let shared: ReadBufferCollector | undefined;

/** The process's collector, shared by the client listener and the peer links. */
export function readBufferCollector(): ReadBufferCollector {
  shared ??= new ReadBufferCollector(youngGenerationCollection(), COLLECT_EVERY_BYTES, new IdleCollector({ collect: memoryReducingCollection() }));
  return shared;
}
