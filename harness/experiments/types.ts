/** The shape every experiment module has, and what the runner hands it. */
import type { Cleanup } from "./cleanup.ts";
import type { RunFolder } from "./run-folder.ts";

/** The experiment names of DESIGN section 11 (contract). */
export const experimentNames = ["fig-memory", "fig-throughput", "fig-latency", "table-cpu", "fig-recovery", "fig-coding", "fig-blocked"] as const;
export type ExperimentName = (typeof experimentNames)[number];

/** --fast (default: a few minutes on a 2-core machine) or --paper (the paper's scale, as far as memory allows). */
export type Profile = "fast" | "paper";

/** The options every experiment receives, validated and resolved. */
export interface ExperimentConfig {
  profile: Profile;
  cluster: string;
  repeat: number;
  seed: number;
  check: boolean;
  /** --check fails on a figure more than this fraction worse than the baseline (0.02 by default). */
  tolerance: number;
  /** --check's tolerance for RSS growth alone (fig-memory); undefined means `tolerance`. */
  rssTolerance?: number;
  /** Root of the results tree (results/ by default). */
  out: string;
  /** Restrict to these systems (experiment-specific names); undefined means every one that exists. */
  systems?: string[];
  /** Restrict to these value-size settings (1k, 4k, 16k, zipf); undefined means the profile's. */
  sizes?: string[];
  /** Override of the record count per setting (small test runs). */
  records?: number;
  /** Write the measured figures as the new baseline (results/baseline/). */
  saveBaseline: boolean;
}

export interface ExperimentContext {
  config: ExperimentConfig;
  folder: RunFolder;
  cleanup: Cleanup;
  /** Aborted on Ctrl-C; long steps check it between phases. */
  signal: AbortSignal;
}

export interface ExperimentOutcome {
  /** False when anything failed (a system, a check); the process exits non-zero. */
  ok: boolean;
  /** One line per failure, printed at the end. */
  failures: string[];
}

export interface ExperimentDefinition {
  name: ExperimentName;
  /** One line: what the experiment measures. */
  what: string;
  /** Expected wall time on this 2-core machine. */
  fastTime: string;
  paperTime: string;
  /** Processes, memory and disk it needs. */
  resources: string;
  /** Absent when the experiment is built; otherwise what it is waiting for. */
  needs?: string;
  /** Systems the experiment can measure (for --systems validation). */
  systems: string[];
  /** Value-size settings --sizes may pick (absent: the experiment has none to pick). */
  sizes?: readonly string[];
  /** Checked before a run folder is made: undefined when the experiment can run, else what it lacks. */
  preflight?(config: ExperimentConfig): Promise<string | undefined>;
  run?(context: ExperimentContext): Promise<ExperimentOutcome>;
}
