/**
 * Serves the memcached protocol engine on a TCP port: one ProtocolSession per connection.
 * (Generic; it belongs with the server entry once that offers one — see the report.)
 */
import { createServer, type Server, type Socket } from "node:net";
import type { MemcachedEngine } from "../protocol/engine.ts";

export function listenClients(engine: MemcachedEngine, host: string, port: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const session = engine.openSession({
      write: (chunk) => {
        socket.write(chunk);
      },
      cork: () => socket.cork(),
      uncork: () => socket.uncork(),
      pauseInput: () => socket.pause(),
      resumeInput: () => socket.resume(),
      close: () => socket.end(),
    });
    socket.on("data", (chunk: Buffer) => session.receive(chunk));
    socket.on("end", () => session.inputEnded());
    socket.on("close", () => {
      sockets.delete(socket);
      session.closed();
    });
    socket.on("error", () => socket.destroy());
  });
  server.on("close", () => {
    for (const socket of sockets) socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
