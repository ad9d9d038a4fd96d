/**
 * Progress of a run: on a terminal one status line rewritten in place (step, phase, ETA);
 * otherwise one plain line per phase change, so logs stay readable.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export class Progress {
  private readonly started = Date.now();
  private doneWeight = 0;
  private stepWeight = 0;
  private stepIndex = 0;
  private stepLabel = "";
  private phaseLabel = "";
  private statusShown = false;

  /** `totalWeight`: the sum of the steps' weights (e.g. records to load), for the ETA. */
  constructor(
    private readonly name: string,
    private totalSteps: number,
    private totalWeight: number,
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  /** Starts the next step (e.g. "pbr · 4 KB") with its share of the total weight. */
  step(label: string, weight = 1): void {
    this.finishStep();
    this.stepIndex++;
    this.stepLabel = label;
    this.stepWeight = weight;
    this.phase("starting");
  }

  /** Adds steps not planned at the start (e.g. --check re-measuring a figure). */
  addSteps(steps: number, weight: number): void {
    this.totalSteps += steps;
    this.totalWeight += weight;
  }

  /** The current phase within the step; `fraction` (0..1) refines the ETA during long phases. */
  phase(label: string, fraction?: number): void {
    const changed = label !== this.phaseLabel;
    this.phaseLabel = label;
    const done = this.doneWeight + (fraction ?? 0) * this.stepWeight;
    const pct = fraction === undefined ? "" : ` ${Math.round(fraction * 100)}%`;
    const line = `[${this.name} ${this.stepIndex}/${this.totalSteps}] ${this.stepLabel}: ${label}${pct} · elapsed ${formatDuration(Date.now() - this.started)} · ETA ${this.eta(done)}`;
    if (this.stream.isTTY) {
      const width = Math.max(20, (this.stream.columns ?? 100) - 1);
      this.stream.write(`\r\x1b[K${line.slice(0, width)}`);
      this.statusShown = true;
    } else if (changed) {
      this.stream.write(line + "\n");
    }
  }

  /** A line that stays (a result, a warning), printed above the status line. */
  log(text: string): void {
    if (this.statusShown) this.stream.write("\r\x1b[K");
    this.stream.write(text + "\n");
    this.statusShown = false;
  }

  /** Ends the last step and clears the status line. */
  done(): void {
    this.finishStep();
    if (this.statusShown) this.stream.write("\r\x1b[K");
    this.statusShown = false;
    this.stream.write(`[${this.name}] finished in ${formatDuration(Date.now() - this.started)}\n`);
  }

  private finishStep(): void {
    this.doneWeight += this.stepWeight;
    this.stepWeight = 0;
  }

  private eta(doneWeight: number): string {
    const elapsed = Date.now() - this.started;
    if (doneWeight <= 0 || this.totalWeight <= 0) return "–";
    const remaining = (elapsed / doneWeight) * Math.max(0, this.totalWeight - doneWeight);
    return formatDuration(remaining);
  }
}

/** 75_000 ms -> "1m15s"; 4_200 ms -> "4s". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
