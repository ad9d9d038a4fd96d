import { fileURLToPath } from "node:url";

let bundled: Promise<string> | null = null;

/**
 * The worker thread's code (worker-thread.ts and everything it imports) as one CommonJS script,
 * bundled with esbuild once per process. A worker then starts in milliseconds; loading it through
 * tsx instead compiles every module again in every thread (about half a second of CPU each).
 */
export function workerScript(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import("esbuild");
    const result = await build({
      entryPoints: [fileURLToPath(new URL("./worker-thread.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0].text;
  })();
  return bundled;
}
