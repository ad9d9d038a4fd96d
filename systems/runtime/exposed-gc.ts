import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export type GcFunction = (options?: { type?: "minor" | "major"; execution?: "sync" | "async"; flavor?: "regular" | "last-resort" }) => void | Promise<void>;

/**
 * V8's gc function. `--expose-gc` given on the command line is used as is; otherwise it is
 * switched on here, which V8 allows for this flag after start-up.
 */
export function exposedGc(): GcFunction {
  let gc = (globalThis as { gc?: GcFunction }).gc;
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as GcFunction;
  }
  return gc;
}
