import type { Progress } from "./run.ts";

/**
 * Prints a run's progress to a stream (stderr): on a terminal one line rewritten every second
 * (operations, ops/s, elapsed); otherwise a status line every `statusIntervalS` seconds, in the
 * spirit of YCSB's `-s` status lines.
 */
export function progressPrinter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, statusIntervalS: number): { onProgress(p: Progress): void; finish(): void } {
  const tty = stream.isTTY === true;
  let lastStatusS = 0;
  let drewLine = false;
  return {
    onProgress(p) {
      const seconds = p.elapsedMs / 1000;
      const share = p.expectedOperations > 0 ? `, ${((100 * p.operations) / p.expectedOperations).toFixed(0)}% of ${p.expectedOperations}` : "";
      if (tty) {
        const line = `${p.phase}: ${p.operations} ops, ${p.opsPerSec.toFixed(0)} ops/s, ${seconds.toFixed(0)} s elapsed${share}`;
        stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
        drewLine = true;
      } else if (seconds - lastStatusS >= statusIntervalS - 0.5) {
        lastStatusS = seconds;
        stream.write(`${new Date().toISOString()} ${seconds.toFixed(0)} sec: ${p.operations} operations; ${p.opsPerSec.toFixed(1)} current ops/sec${share}\n`);
      }
    },
    finish() {
      if (drewLine) stream.write("\n");
      drewLine = false;
    },
  };
}
