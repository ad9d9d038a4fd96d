/**
 * What the paper says about recovery, each with its source (DESIGN §11 and its caveat: slides,
 * abstract, a secondary summary), and the targets DESIGN §12 sets for this project.
 */
export const sources = {
  slides: "FAST'16 slides, \"Recovery\" (R:W=95%:5%, 1KB values, 12GB data/node)",
  design11: "DESIGN §11 (the paper, via a secondary summary)",
  design12: "DESIGN §12 (targets for this project)",
} as const;

export const paperRecovery = {
  setup: { text: "R:W 95:5, 1 KB values, 12 GB of data per node; a node killed, then a second", source: sources.slides },
  prepBlockMs: { low: 7, high: 13, source: sources.design11 },
  repairMBps: { value: 550, text: "~550 MB/s without load (20-core nodes)", source: sources.design11 },
  /** Latency of requests during recovery, µs. */
  latencyDuringRecovery: { p50: 408, p90: 753, p99: 1117, source: sources.design11 },
  blocked: { text: "blocked recovery collapses even at 5 % writes", source: sources.design11 },
} as const;

/** DESIGN §12: preparation blocking ≤ 13 ms. */
export const prepBlockTargetMs = 13;
