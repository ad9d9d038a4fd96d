/**
 * Plain mode: one unreplicated memcached-compatible process (the paper's "Memcached" baseline):
 * one Store, the protocol engine with a backend that writes straight to it, one TCP listener.
 */

import { listenMemcached } from "../protocol/listener.ts";
import { PlainBackend } from "../protocol/plain-backend.ts";
import { Store } from "../store/index.ts";
import type { RunningServer, ServerOptions } from "./options.ts";

export async function startPlainServer(options: ServerOptions): Promise<RunningServer> {
  const store = new Store({ memoryBytes: options.memoryMb * 1024 * 1024, maxValueBytes: options.maxItemSize });
  const listener = await listenMemcached({
    host: options.host,
    port: options.port,
    backend: new PlainBackend(store, options.maxItemSize),
    maxItemSize: options.maxItemSize,
    settings: { tcpport: options.port, inter: options.host, mode: "plain" },
  });
  return { host: listener.host, port: listener.port, close: () => listener.close() };
}
