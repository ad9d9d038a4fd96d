/**
 * Teardown on every exit path: steps register an undo (a deployment's teardown, a stopped
 * process), run() undoes them newest first, and Ctrl-C / SIGTERM runs them before exiting.
 */
let interruption = false;

/** True once Ctrl-C (or SIGTERM) started a teardown: its handler exits with 130 when it is done. */
export function interruptionInProgress(): boolean {
  return interruption;
}

export class Cleanup {
  private readonly steps = new Map<number, { label: string; undo: () => Promise<void> }>();
  /** Undos running now, whoever started them: run() waits for them all before it returns. */
  private readonly running = new Set<Promise<void>>();
  private nextId = 0;
  private readonly controller = new AbortController();
  private readonly onSignal = (signal: NodeJS.Signals) => void this.interrupted(signal);
  private signalCount = 0;

  /** Aborted on the first Ctrl-C / SIGTERM. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Registers `undo`; the returned function runs it now (once) and unregisters it. */
  add(label: string, undo: () => Promise<void>): () => Promise<void> {
    const id = this.nextId++;
    this.steps.set(id, { label, undo });
    return async () => {
      const step = this.steps.get(id);
      if (!step) return;
      this.steps.delete(id);
      await this.execute(step.undo);
    };
  }

  /**
   * Runs every registered undo, newest first; failures are collected, not thrown. Returns only once
   * undos that another caller started are done too: Ctrl-C's handler runs this while the run's own
   * end may be running it, and must not exit in the middle of a step the other one took.
   */
  async run(): Promise<string[]> {
    const errors: string[] = [];
    const ids = [...this.steps.keys()].sort((a, b) => b - a);
    for (const id of ids) {
      const step = this.steps.get(id);
      if (!step) continue;
      this.steps.delete(id);
      try {
        await this.execute(step.undo);
      } catch (error) {
        errors.push(`teardown of ${step.label} failed: ${(error as Error).message}`);
      }
    }
    await Promise.allSettled([...this.running]);
    return errors;
  }

  private async execute(undo: () => Promise<void>): Promise<void> {
    const running = undo();
    this.running.add(running);
    try {
      await running;
    } finally {
      this.running.delete(running);
    }
  }

  /** Installs the SIGINT/SIGTERM handlers for the life of the run. */
  installSignalHandlers(): void {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
  }

  removeSignalHandlers(): void {
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }

  private async interrupted(signal: NodeJS.Signals): Promise<void> {
    this.signalCount++;
    if (this.signalCount > 1) {
      process.stderr.write(`\n${signal} again: exiting without waiting for teardown\n`);
      process.exit(130);
    }
    interruption = true;
    process.stderr.write(`\n${signal}: tearing down (${this.steps.size} step(s))...\n`);
    this.controller.abort(new Error(`interrupted by ${signal}`));
    const errors = await this.run();
    for (const error of errors) process.stderr.write(error + "\n");
    process.exit(130);
  }
}

/** Throws the abort reason if the run was interrupted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("interrupted");
}

/** Waits ms, or less when the signal aborts first (Ctrl-C need not wait out a settle). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
