/**
 * A memory-reducing collection when a server goes quiet after taking input.
 *
 * Between V8's own full collections, the old generation holds the garbage of every request that
 * outlived a young-generation collection (values waiting for acknowledgements, their read
 * buffers, messages to peers). How much of it is there when a load stops is chance: in a 25-process
 * cocytus cluster after 300 MB of 1 KB values, 0 to 38 MB over the data processes from one run to
 * the next, all of it RSS charged to the scheme. Once the input stops (half a second with less than
 * 4 KiB of it), one memory-reducing collection ("last-resort": V8 collects until nothing more is
 * freed) leaves the heap to what is live: in that cluster 2.04-2.28 per value byte became
 * 1.99-2.03. Under steady load nothing changes.
 *
 * That collection also compacts the old generation. Without it, the pages that a few live objects
 * keep (a load's survivors are spread over the pages its garbage filled) stay committed, half
 * empty: after a Zipf load of a 25-process cocytus cluster, the old generation committed 2.7 MB
 * more per data process and 5.3 MB more per parity process while its live objects grew by
 * 0.2-0.4 MB, ~1.7 of cocytus's 5.0 bytes of RSS per value byte. V8 compacts only the pages its
 * heuristics pick, so compaction of every page is switched on for this one collection.
 * What it does not give back is malloc's heap.
 *
 * After it, the young generation is brought back to the size it has under load. V8 gives back its
 * spare semi-space (1 MB with our flags) in a full collection when it has seen little allocation
 * for 5 s, and takes it again at the first young-generation collection of the next load; whether
 * it had been given back when RSS was read depended on the requests before (after a fig-memory
 * warm-up of a few hundred 16 KB values it had, after the load it had not: 14 of a paper-scale
 * cluster's 15 data processes were charged 1 MB each for it). V8's own memory reducer, which could
 * give it back at any moment of an idle spell, is switched off (systems/server/node-flags.ts): this
 * collection does its work.
 */
import { setFlagsFromString } from "node:v8";
import { exposedGc } from "./exposed-gc.ts";

export interface IdleCollectionOptions {
  /** Runs the collection; a promise it returns settles when the collection has finished. */
  collect: () => void | Promise<unknown>;
  /** How often the input is looked at (default 250 ms). */
  tickMs?: number;
  /** A tick with less input than this is quiet (default 4 KiB: a peer link's heartbeats are tens of bytes). */
  quietBytes?: number;
  /** Quiet ticks in a row that make the input stopped (default 2: a client stalls now and then). */
  quietTicks?: number;
  /** Input since the last collection that makes another worth its pause (default 256 KiB). */
  minInputBytes?: number;
}

export class IdleCollector {
  /** Collections that have finished (the `gc_idle_collections` stat: a harness waits for it before reading RSS). */
  collections = 0;
  private readonly collect: () => void | Promise<unknown>;
  private readonly tickMs: number;
  private readonly quietBytes: number;
  private readonly quietTicks: number;
  private readonly minInputBytes: number;
  private sinceCollection = 0;
  private thisTick = 0;
  private quietInARow = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(options: IdleCollectionOptions) {
    const { collect, tickMs = 250, quietBytes = 4096, quietTicks = 2, minInputBytes = 256 * 1024 } = options;
    for (const [name, value] of Object.entries({ tickMs, quietBytes, quietTicks, minInputBytes })) {
      if (!(value > 0)) throw new Error(`idle collection: ${name} must be positive, found ${value}`);
    }
    this.collect = collect;
    this.tickMs = tickMs;
    this.quietBytes = quietBytes;
    this.quietTicks = quietTicks;
    this.minInputBytes = minInputBytes;
  }

  /** Notes `bytes` of input; once enough has come in, watches for the tick it stops. */
  input(bytes: number): void {
    this.sinceCollection += bytes;
    this.thisTick += bytes;
    if (this.timer !== undefined || this.sinceCollection < this.minInputBytes) return;
    this.thisTick = 0;
    this.quietInARow = 0;
    // unref: a watch never keeps a process alive.
    this.timer = setInterval(() => this.tick(), this.tickMs).unref();
  }

  /**
   * A collection is coming (enough input came in and the watch for its end is on) or running: the
   * `gc_idle_pending` stat. Until it is over, RSS still holds the load's garbage.
   */
  get pending(): boolean {
    return this.timer !== undefined || this.running;
  }

  /** Stops watching (the collector is not used again). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.quietInARow = this.thisTick < this.quietBytes ? this.quietInARow + 1 : 0;
    this.thisTick = 0;
    if (this.quietInARow < this.quietTicks) return;
    this.stop();
    this.sinceCollection = 0;
    this.running = true;
    const finished = () => {
      this.running = false;
      this.collections++;
    };
    Promise.resolve(this.collect()).then(finished, finished);
  }
}

/**
 * V8's memory-reducing full collection (what it runs itself when memory is low), run as a task of
 * its own shortly after the call; the promise settles once it has finished. Asked for
 * synchronously with options, V8 (Node 20) treats the caller's stack conservatively: in a test it
 * kept a dead 17 MB array alive.
 */
export function memoryReducingCollection(): () => Promise<void> {
  const gc = exposedGc();
  return async () => {
    // Compaction of every page stays on until this collection is over (on a loaded machine the
    // task can wait hundreds of milliseconds for its turn); V8's later ones pick pages by its heuristics again.
    setFlagsFromString("--compact-on-every-full-gc");
    try {
      await gc({ type: "major", execution: "async", flavor: "last-resort" });
    } finally {
      setFlagsFromString("--no-compact-on-every-full-gc");
    }
    refillYoungGeneration();
    // The garbage is gone again (a young-generation collection asked for does not take the space back).
    gc({ type: "minor" });
  };
}

/** A few MB of short-lived garbage: the young-generation collections it causes take back the spare semi-space (~5 ms). */
function refillYoungGeneration(): void {
  let batch: object[] = [];
  for (let i = 0; i < 100_000; i++) {
    batch.push({ i });
    if (batch.length === 1000) batch = [];
  }
}
