/**
 * Node's own flags for every server process, whatever the mode: deployments, the benchmarks and
 * anything else that starts a server as it runs in an experiment use these.
 *
 * - A small young generation: transient garbage of the request path would otherwise show up as RSS
 *   and be charged to the scheme (the cocytus bench measured 2.35 → 1.93 per value byte at 1 KB).
 * - No V8 background threads: a deployment runs up to 25 processes on a few cores, where
 *   concurrent marking and compilation threads only compete for them, and their malloc arenas kept
 *   what the collections of a large load had used (cocytus, Zipf at the paper's scale: 16 MB over
 *   the 15 data processes). A paper-scale cocytus load ran 3-28 % faster without them.
 * - No memory reducer: the server's own idle collection (systems/runtime/idle-collection.ts) does
 *   its work once the input stops, at a moment that does not depend on V8's timers.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--single-threaded", "--no-memory-reducer"];
