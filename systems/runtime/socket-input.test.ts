import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { adoptAcceptedSocket, InputSlab, slabReadOptions } from "./socket-input.ts";

test("a chunk copied into the input slab keeps its bytes while the source buffer is reused", () => {
  const slab = new InputSlab();
  const source = Buffer.alloc(64 * 1024);
  const chunks: Buffer[] = [];
  // 300 reads of 1000 bytes fill several slab pieces; each reuses the same source buffer.
  for (let i = 0; i < 300; i++) {
    source.fill(i % 251, 0, 1000);
    chunks.push(slab.copy(source, 1000));
  }
  chunks.forEach((chunk, i) => {
    assert.equal(chunk.length, 1000);
    assert.ok(chunk.every((byte) => byte === i % 251), `chunk ${i} changed`);
  });
});

test("a read of a whole slab piece gets a piece of its own", () => {
  const slab = new InputSlab();
  const first = slab.copy(Buffer.alloc(10, 1), 10);
  const whole = slab.copy(Buffer.alloc(64 * 1024, 2), 64 * 1024);
  assert.equal(whole.length, 64 * 1024);
  assert.ok(first.every((byte) => byte === 1));
  assert.ok(whole.every((byte) => byte === 2));
});

/** A loopback server whose accepted sockets are adopted; resolves with the server and the adopted sockets. */
async function adoptingServer(onChunk: (chunk: Buffer, socket: Socket) => void): Promise<{ server: Server; adopted: Socket[]; accepted: Socket[] }> {
  const adopted: Socket[] = [];
  const accepted: Socket[] = [];
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    accepted.push(socket);
    const ours: Socket = adoptAcceptedSocket(socket, (chunk) => onChunk(chunk, ours), { allowHalfOpen: true });
    adopted.push(ours);
    ours.on("end", () => ours.end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, adopted, accepted };
}

test("an adopted server socket delivers every byte in order, echoes, ends and lets the server close", async () => {
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

test("a client socket read through the input slab sees what the server sent", async () => {
  const server = createServer((socket) => socket.end(Buffer.alloc(200_000, 0x5a)));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const received: Buffer[] = [];
  const client = connect({ host: "127.0.0.1", port, ...slabReadOptions((chunk) => received.push(chunk)) });
  await once(client, "end");
  client.destroy();
  const all = Buffer.concat(received);
  assert.equal(all.length, 200_000);
  assert.ok(all.every((byte) => byte === 0x5a));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
