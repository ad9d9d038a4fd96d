import { parentPort, workerData } from "node:worker_threads";
import type { IntervalSnapshot } from "../measurements/time-series.ts";
import { runWorker, type WorkerResult, type WorkerSpec } from "./worker.ts";

/** Messages between the run (main thread) and a worker thread. */
export type ToWorker = { type: "start"; originMs: number } | { type: "stop" };
export type FromWorker =
  | { type: "ready" }
  | { type: "interval"; snapshot: IntervalSnapshot }
  | { type: "done"; result: WorkerResult }
  | { type: "failed"; message: string };

const port = parentPort;
if (port === null) throw new Error("worker-thread.ts runs only as a worker thread");
const spec = (workerData as { spec: WorkerSpec }).spec;
const send = (message: FromWorker) => port.postMessage(message);

let startRun: (originMs: number | null) => void = () => {};
const stops: (() => void)[] = [];
let stopped = false;
port.on("message", (message: ToWorker) => {
  if (message.type === "start") startRun(message.originMs);
  else {
    stopped = true;
    for (const stop of stops) stop();
    startRun(null);
  }
});

async function main(): Promise<void> {
  const result = await runWorker(spec, {
    ready: () => send({ type: "ready" }),
    start: new Promise<number | null>((resolve) => (startRun = resolve)),
    interval: (snapshot) => send({ type: "interval", snapshot }),
    onStop: (stop) => {
      stops.push(stop);
      if (stopped) stop();
    },
  });
  send({ type: "done", result });
}

// No top-level await: the thread may run this file bundled as a CommonJS script (worker-bundle.ts).
main()
  .catch((error: unknown) => send({ type: "failed", message: error instanceof Error ? error.message : String(error) }))
  .finally(() => port.close());
