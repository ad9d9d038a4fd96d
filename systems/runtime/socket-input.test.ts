import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { adoptAcceptedSocket, sharedBufferReadOptions, type ChunkLifetime } from "./socket-input.ts";

/** A loopback server whose accepted sockets are adopted; resolves with the server and the adopted sockets. */
async function adoptingServer(onChunk: (chunk: Buffer, socket: Socket) => void, lifetime?: ChunkLifetime): Promise<{ server: Server; adopted: Socket[]; accepted: Socket[] }> {
  const adopted: Socket[] = [];
  const accepted: Socket[] = [];
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    accepted.push(socket);
    const ours: Socket = adoptAcceptedSocket(socket, (chunk) => onChunk(chunk, ours), { allowHalfOpen: true, lifetime });
    adopted.push(ours);
    ours.on("end", () => ours.end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, adopted, accepted };
}

test("an adopted server socket delivers every byte in order (chunks kept across reads stay intact), echoes, ends and lets the server close", { timeout: 20_000 }, async () => {
  const received: Buffer[] = [];
  const { server, adopted, accepted } = await adoptingServer((chunk, socket) => {
    received.push(chunk);
    socket.write(chunk);
  });
  const { port } = server.address() as AddressInfo;
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 256;

  const client = connect({ host: "127.0.0.1", port });
  const echoed: Buffer[] = [];
  client.on("data", (chunk: Buffer) => echoed.push(chunk));
  await once(client, "connect");
  client.end(payload);
  await once(client, "close");

  assert.equal(adopted.length, 1);
  assert.notEqual(adopted[0], accepted[0], "on this Node version the connection is rebuilt around the handle");
  assert.equal(adopted[0].listenerCount("data"), 0, "no stream 'data' events are used");
  assert.ok(Buffer.concat(received).equals(payload), "the server saw the bytes the client sent, in order");
  assert.ok(Buffer.concat(echoed).equals(payload), "and its writes reached the client");
  // The accepted socket no longer counts as a connection: close() completes.
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

test("a client socket read through the shared read buffer sees what the server sent", { timeout: 20_000 }, async () => {
  const server = createServer((socket) => socket.end(Buffer.alloc(200_000, 0x5a)));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const received: Buffer[] = [];
  const client = connect({ host: "127.0.0.1", port, ...sharedBufferReadOptions((chunk) => received.push(chunk)) });
  await once(client, "end");
  client.destroy();
  const all = Buffer.concat(received);
  assert.equal(all.length, 200_000);
  assert.ok(all.every((byte) => byte === 0x5a));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("a lent chunk is a view of the one shared read buffer: no allocation per read, each read's bytes right while the handler runs", { timeout: 20_000 }, async () => {
  const copies: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const { server } = await adoptingServer((chunk) => {
    copies.push(Buffer.from(chunk));
    buffers.add(chunk.buffer);
  }, "lent");
  const { port } = server.address() as AddressInfo;
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 13) % 251;
  const client = connect({ host: "127.0.0.1", port });
  await once(client, "connect");
  client.end(payload);
  await once(client, "close");
  assert.ok(Buffer.concat(copies).equals(payload), "each chunk held the bytes of its read while the handler ran");
  assert.ok(copies.length > 1, `the payload took several reads (${copies.length})`);
  assert.equal(buffers.size, 1, "every read landed in the same buffer");
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});
