/**
 * Node's own flags for every server process, whatever the mode: deployments, the benchmarks and
 * anything else that starts a server as it runs in an experiment use these.
 *
 * A small young generation: transient garbage of the request path would otherwise show up as RSS
 * and be charged to the scheme (the cocytus bench measured 2.35 → 1.93 per value byte at 1 KB).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];
