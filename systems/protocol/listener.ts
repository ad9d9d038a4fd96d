/**
 * Serves the memcached text protocol on a TCP port with a given backend: the piece every mode's
 * server uses (plain, pbr, cocytus). One MemcachedEngine, one ProtocolSession per connection.
 */

import { createServer, type Server, type Socket } from "node:net";
import type { Backend } from "./backend.ts";
import { MemcachedEngine } from "./engine.ts";
import { readBufferCollector } from "../runtime/read-buffers.ts";
import { adoptAcceptedSocket } from "../runtime/socket-input.ts";

/** Dead input buffers are collected every 256 KiB of input, so they do not pile up as RSS. */
const readBuffers = readBufferCollector();

/** Where to listen, and either a backend (an engine is made for it) or a ready engine. */
export type MemcachedListenerOptions = {
  host: string;
  /** 0 picks a free port (see `port` of the result). */
  port: number;
} & (
  | {
      backend: Backend;
      /** memcached's -I (default 1 MiB). */
      maxItemSize?: number;
      /** Extra `stats settings` fields. */
      settings?: Record<string, number | string>;
    }
  | { engine: MemcachedEngine }
);

export interface MemcachedListener {
  readonly engine: MemcachedEngine;
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, closes every connection, and resolves when the server is closed. */
  close(): Promise<void>;
}

/** Replies waiting in the socket beyond this many bytes stop reading from that client. */
const WRITE_BACKLOG_LIMIT = 4 * 1024 * 1024;

export async function listenMemcached(options: MemcachedListenerOptions): Promise<MemcachedListener> {
  const engine =
    "engine" in options ? options.engine : new MemcachedEngine({ backend: options.backend, maxItemSize: options.maxItemSize, settings: options.settings });
  const sockets = new Set<Socket>();
  // Paused on connect: serveConnection decides how the socket is read.
  const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (accepted) => {
    const socket = serveConnection(engine, accepted);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`listenMemcached: expected a TCP address, found ${String(address)}`);
  return {
    engine,
    server,
    host: options.host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        engine.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * Wires one client socket, accepted paused, to a protocol session, with backpressure in both
 * directions. Returns the socket that now carries the connection (see adoptAcceptedSocket).
 */
export function serveConnection(engine: MemcachedEngine, accepted: Socket): Socket {
  let waitingForReplies = false;
  let waitingForDrain = false;
  const counters = engine.counters;
  // Reads are delivered from the event loop, never during this call, so `session` exists by then.
  const socket = adoptAcceptedSocket(
    accepted,
    (chunk) => {
      session.receive(chunk);
      readBuffers.received(chunk.length);
    },
    { allowHalfOpen: true, lifetime: engine.lendsInput ? "lent" : "kept" },
  );
  const session = engine.openSession({
    write(chunk) {
      counters.bytes_written += chunk.length;
      if (!socket.write(chunk) && socket.writableLength > WRITE_BACKLOG_LIMIT && !waitingForDrain) {
        // The client is not reading its replies: stop reading its requests until it does.
        waitingForDrain = true;
        socket.pause();
        socket.once("drain", () => {
          waitingForDrain = false;
          if (!waitingForReplies) socket.resume();
        });
      }
    },
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    pauseInput() {
      waitingForReplies = true;
      socket.pause();
    },
    resumeInput() {
      waitingForReplies = false;
      if (!waitingForDrain) socket.resume();
    },
    close() {
      socket.destroySoon();
    },
  });
  socket.on("end", () => session.inputEnded());
  socket.on("close", () => session.closed());
  socket.on("error", () => {
    // A reset by the client; "close" follows.
  });
  return socket;
}
