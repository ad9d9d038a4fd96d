/**
 * Whether this checkout's server takes a variant's extra flags (e.g. `--recovery blocked`), asked
 * of the server's own option parser before anything is deployed: a flag it does not know would
 * stop every process at start.
 */
import { parseServerArgs } from "../../../systems/server/options.ts";

/** Undefined when the server accepts `flags` in cocytus mode, else what it said. */
export function serverRejects(flags: readonly string[]): string | undefined {
  try {
    parseServerArgs(["--mode", "cocytus", "--host", "127.0.0.1", "--port", "0", ...flags]);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
