import { test } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "node:net";
import { Worker } from "node:worker_threads";
import { connectPeer, encodeHello, listenPeers, type FrameHandler, type PeerLink } from "./link.ts";
import { encodeFrame, FrameType } from "./frames.ts";
import { freePort } from "../../test/support/ports.ts";

const host = "127.0.0.1";
const fast = { heartbeatMs: 20, timeoutMs: 200 };

/** A listening and a dialing link; the accepted link's frames go to `handler` (by default: recorded in `received`). */
async function pair(handler?: FrameHandler, lentTypes: number[] = []): Promise<{ server: Server; accepted: PeerLink; dialed: PeerLink; received: Array<[string, number, string]> }> {
  const port = await freePort(host);
  const received: Array<[string, number, string]> = [];
  let accept!: (link: PeerLink) => void;
  const acceptedLink = new Promise<PeerLink>((resolve) => (accept = resolve));
  const record: FrameHandler = (type, payload, l) => received.push([`${l.remote.role}${l.remote.index}`, type, payload.toString()]);
  const server = await listenPeers(
    host,
    port,
    (link) => {
      link.onFrame(handler ?? record, lentTypes);
      accept(link);
    },
    fast,
  );
  const dialed = await connectPeer(host, port, { group: 2, index: 1, role: "data" }, { group: 2, index: 3, role: "parity" }, () => {}, { detection: fast });
  return { server, accepted: await acceptedLink, dialed, received };
}

test("frames sent right after the hello reach the handler the listener installs, in order", async () => {
  const { server, accepted, dialed, received } = await pair();
  try {
    for (let i = 0; i < 100; i++) dialed.send(20, Buffer.from(`update ${i}`));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(accepted.remote, { group: 2, index: 1, role: "data" });
    assert.equal(received.length, 100);
    assert.deepEqual(received[0], ["data1", 20, "update 0"]);
    assert.deepEqual(received[99], ["data1", 20, "update 99"]);
  } finally {
    dialed.close();
    accepted.close();
    server.close();
  }
});

test("heartbeats keep an idle link up, and a closed peer is reported down at once", async () => {
  const { server, accepted, dialed } = await pair();
  try {
    await new Promise((r) => setTimeout(r, 500)); // more than twice the timeout, with no traffic of our own
    assert.equal(accepted.isDown, false);
    assert.equal(dialed.isDown, false);
    const down = new Promise<string>((resolve) => accepted.onDown(resolve));
    const started = Date.now();
    dialed.close();
    assert.match(await down, /connection closed/);
    assert.ok(Date.now() - started < 150, "a closed connection counts at once, not after the timeout");
  } finally {
    accepted.close();
    server.close();
  }
});

test("a peer that stops answering is declared down after the timeout", async () => {
  const { server, accepted, dialed } = await pair();
  try {
    const down = new Promise<string>((resolve) => dialed.onDown(resolve));
    // Freeze the accepted side: no heartbeats leave it (as with SIGSTOP), the socket stays open.
    (accepted as unknown as { send: () => boolean }).send = () => true;
    assert.match(await down, /no frame for \d+ ms \(timeout 200 ms\)/);
  } finally {
    dialed.close();
    accepted.close();
    server.close();
  }
});

test("connecting to a peer that never listens fails after the deadline, naming the peer", async () => {
  const port = await freePort(host);
  await assert.rejects(
    connectPeer(host, port, { group: 0, index: 0, role: "data" }, { group: 0, index: 4, role: "parity" }, () => {}, { deadlineMs: 200 }),
    new RegExp(`peer parity 0/4 at 127.0.0.1:${port}: could not connect before the deadline`),
  );
});

test("a frame encoded once can be sent to several peers and arrives whole at each", async () => {
  const first = await pair();
  const second = await pair();
  try {
    const frame = encodeFrame(21, Buffer.from("one batch"));
    assert.equal(first.dialed.sendFrame(frame), true);
    assert.equal(second.dialed.sendFrame(frame), true);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(first.received, [["data1", 21, "one batch"]]);
    assert.deepEqual(second.received, [["data1", 21, "one batch"]]);
  } finally {
    for (const p of [first, second]) {
      p.dialed.close();
      p.accepted.close();
      p.server.close();
    }
  }
});

test("a stall of our own event loop longer than the timeout does not make a live peer look down", async () => {
  const port = await freePort(host);
  let accept!: (link: PeerLink) => void;
  const accepted = new Promise<PeerLink>((resolve) => (accept = resolve));
  const server = await listenPeers(host, port, accept, fast);
  // The peer runs on its own event loop (a worker thread), as another process would: it says
  // hello, then sends a heartbeat every 20 ms for 2 s, whatever our loop is doing.
  const peer = new Worker(
    `const { connect } = require("node:net");
     const { workerData } = require("node:worker_threads");
     const socket = connect(workerData.port, workerData.host, () => {
       socket.write(Buffer.from(workerData.hello));
       const timer = setInterval(() => socket.write(Buffer.from(workerData.heartbeat)), 20);
       setTimeout(() => { clearInterval(timer); socket.destroy(); }, 2000);
     });
     socket.on("error", () => {});`,
    { eval: true, workerData: { host, port, hello: encodeFrame(FrameType.Hello, encodeHello({ group: 0, index: 1, role: "data" })), heartbeat: encodeFrame(FrameType.Heartbeat) } },
  );
  try {
    const link = await accepted;
    await new Promise((r) => setTimeout(r, 100));
    const until = Date.now() + 400; // twice the timeout, busy: no timers, no I/O on our side
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(link.isDown, false, "the peer's heartbeats were waiting in the socket");
    link.close();
  } finally {
    await peer.terminate();
    server.close();
  }
});

test("a frame type its handler declared lent gets a view of the link's input; every other type gets a payload of its own", async () => {
  const lent: Buffer[] = [];
  const own: Buffer[] = [];
  const { server, accepted, dialed } = await pair((type, payload) => (type === 16 ? lent : own).push(payload), [16]);
  try {
    for (let i = 0; i < 200; i++) {
      dialed.send(17, Buffer.from(`own ${i}`));
      dialed.send(16, Buffer.alloc(2000, i));
    }
    const deadline = Date.now() + 5000;
    while ((lent.length < 200 || own.length < 200) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(own.length, 200);
    assert.deepEqual(
      own.map((payload) => payload.toString()),
      Array.from({ length: 200 }, (_, i) => `own ${i}`),
      "payloads of their own stay intact after later reads",
    );
    assert.equal(lent.length, 200);
    const buffers = new Set(lent.map((payload) => payload.buffer));
    assert.ok(buffers.size <= 2, `lent payloads are views of the shared read buffer (or of the frame assembly buffer), found ${buffers.size} distinct buffers`);
    assert.ok(own.every((payload) => !buffers.has(payload.buffer)), "no payload of its own is a view of the link's input");
  } finally {
    dialed.close();
    accepted.close();
    server.close();
  }
});
