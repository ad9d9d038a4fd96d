import { MemcachedConnection } from "./memcached-connection.ts";
import type { Targets } from "./targets.ts";

export interface PoolOptions {
  /** Connections to each server; requests to a server take its connections in turn. */
  connectionsPerServer: number;
  /** Per-request timeout, ms. */
  timeoutMs: number;
}

/** N pipelined connections to each server of a target list, and the key router that picks the server. */
export class MemcachedPool {
  private readonly connections: MemcachedConnection[][];
  private readonly nextConnection: Int32Array;

  constructor(
    readonly targets: Targets,
    options: PoolOptions,
  ) {
    if (!Number.isInteger(options.connectionsPerServer) || options.connectionsPerServer < 1) {
      throw new Error(`memcached pool: connections per server must be an integer >= 1, found ${options.connectionsPerServer}`);
    }
    this.connections = targets.endpoints.map((e) => Array.from({ length: options.connectionsPerServer }, () => new MemcachedConnection(e.host, e.port, { timeoutMs: options.timeoutMs })));
    this.nextConnection = new Int32Array(targets.endpoints.length);
  }

  /** The connection for the next request to the server that owns key[start, end). */
  connectionForKey(key: Uint8Array, start: number, end: number): MemcachedConnection {
    return this.connectionForServer(this.targets.router(key, start, end));
  }

  connectionForServer(server: number): MemcachedConnection {
    const list = this.connections[server];
    const i = this.nextConnection[server];
    this.nextConnection[server] = i + 1 === list.length ? 0 : i + 1;
    return list[i];
  }

  /** Opens every connection; rejects naming the first server that cannot be reached. */
  async open(): Promise<void> {
    await Promise.all(this.connections.flat().map((c) => c.open()));
  }

  /** Closes every connection after the requests in flight are answered (or time out). */
  async close(): Promise<void> {
    await Promise.all(this.connections.flat().map((c) => c.close()));
  }
}
