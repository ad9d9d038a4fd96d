// Entry of a driver worker thread: worker threads do not inherit the tsx loader of the main
// thread, so register it here, then load the TypeScript worker.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
