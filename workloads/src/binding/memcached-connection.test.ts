import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { startNativeMemcached } from "../../../test/support/memcached.ts";
import type { RunningProcess } from "../../../test/support/process.ts";
import { MemcachedConnection, type Reply } from "./memcached-connection.ts";

interface Answer {
  reply: Reply;
  value: string | null;
  error: string | null;
}

function getKey(conn: MemcachedConnection, key: string): Promise<Answer> {
  return new Promise((resolve) => {
    conn.get(Buffer.from(key), 0, Buffer.byteLength(key), {
      onReply: (reply, data, start, end, error) => resolve({ reply, value: reply === "hit" ? data!.toString("latin1", start, end) : null, error }),
    });
  });
}

function setKey(conn: MemcachedConnection, key: string, value: string | Buffer, command = "set"): Promise<Answer> {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  return new Promise((resolve) => {
    conn.store(Buffer.from(command), Buffer.from(key), 0, Buffer.byteLength(key), bytes, 0, bytes.length, {
      onReply: (reply, _data, _start, _end, error) => resolve({ reply, value: null, error }),
    });
  });
}

function deleteKey(conn: MemcachedConnection, key: string): Promise<Answer> {
  return new Promise((resolve) => {
    conn.delete(Buffer.from(key), 0, Buffer.byteLength(key), { onReply: (reply, _d, _s, _e, error) => resolve({ reply, value: null, error }) });
  });
}

/** A TCP server for failure cases; `onSocket` decides what it does with each connection. */
async function fakeServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a memcached connection against native memcached", () => {
  let memcached: RunningProcess;
  let conn: MemcachedConnection;

  before(async () => {
    memcached = await startNativeMemcached();
    conn = new MemcachedConnection(memcached.host, memcached.port, { timeoutMs: 2000 });
    await conn.open();
  });
  after(async () => {
    await conn?.close();
    await memcached?.stop();
  });

  test("pipelined sets and gets issued together are each answered with their own reply, in order", async () => {
    const n = 500;
    const sets = Array.from({ length: n }, (_, i) => setKey(conn, `pipe:${i}`, `value-${i}-${"x".repeat(i % 37)}`));
    assert.ok(conn.inFlight > 1, "several requests are in flight on one connection at once");
    const setAnswers = await Promise.all(sets);
    assert.deepEqual(new Set(setAnswers.map((a) => a.reply)), new Set(["stored"]));
    const gets = await Promise.all(Array.from({ length: n }, (_, i) => getKey(conn, i % 5 === 4 ? `absent:${i}` : `pipe:${i}`)));
    gets.forEach((answer, i) => {
      if (i % 5 === 4) assert.equal(answer.reply, "miss", `request ${i} is a miss`);
      else assert.deepEqual(answer, { reply: "hit", value: `value-${i}-${"x".repeat(i % 37)}`, error: null }, `request ${i} gets its own value`);
    });
  });

  test("values larger than one socket read are reassembled across chunks", async () => {
    const big = Buffer.alloc(600_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    assert.equal((await setKey(conn, "big", big)).reply, "stored");
    const answers = await Promise.all([getKey(conn, "big"), getKey(conn, "pipe:1"), getKey(conn, "big")]);
    assert.equal(answers[0].reply, "hit");
    assert.ok(Buffer.from(answers[0].value!, "latin1").equals(big));
    assert.equal(answers[1].value, "value-1-x");
    assert.ok(Buffer.from(answers[2].value!, "latin1").equals(big));
  });

  test("add, replace and delete report the server's answers", async () => {
    assert.equal((await setKey(conn, "once", "a", "add")).reply, "stored");
    assert.equal((await setKey(conn, "once", "b", "add")).reply, "not-stored");
    assert.equal((await setKey(conn, "never", "b", "replace")).reply, "not-stored");
    assert.equal((await deleteKey(conn, "once")).reply, "deleted");
    assert.equal((await deleteKey(conn, "once")).reply, "not-found");
  });

  test("a request the server refuses fails with the server's message and the connection keeps working", async () => {
    const tooLong = "k".repeat(251);
    const [bad, good] = await Promise.all([getKey(conn, tooLong), getKey(conn, "pipe:2")]);
    assert.equal(bad.reply, "error");
    assert.match(bad.error!, /CLIENT_ERROR/);
    assert.equal(good.value, "value-2-xx");
  });
});

describe("a memcached connection when the server fails", () => {
  test("a server that closes mid-run fails the requests in flight with errors instead of hanging", async () => {
    const memcached = await startNativeMemcached();
    const conn = new MemcachedConnection(memcached.host, memcached.port, { timeoutMs: 5000 });
    try {
      await conn.open();
      let stop = false;
      const answers: Answer[] = [];
      // Eight clients, each with one request in flight, bounded by count and time.
      const deadline = Date.now() + 10_000;
      const clients = Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; i < 100_000 && Date.now() < deadline && !stop; i++) {
          answers.push(await (i % 2 === 0 ? setKey(conn, `c${c}:${i}`, "v") : getKey(conn, `c${c}:${i - 1}`)));
        }
      });
      while (answers.length < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await memcached.stop();
      const afterKill = answers.length;
      while (answers.length < afterKill + 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      stop = true;
      await Promise.all(clients);
      const errors = answers.slice(afterKill).filter((a) => a.reply === "error");
      assert.ok(errors.length > 0, "requests after the server died fail");
      assert.match(errors[0].error!, /closed by the server|ECONNRESET|ECONNREFUSED|unreachable/);
      assert.ok(Date.now() < deadline, "the clients finished before the deadline (no request hung)");
    } finally {
      await conn.close();
      await memcached.stop();
    }
  });

  test("a server that never answers makes requests fail after the timeout", async () => {
    const silent = await fakeServer(() => {});
    const conn = new MemcachedConnection("127.0.0.1", silent.port, { timeoutMs: 200 });
    try {
      const started = performance.now();
      const [a, b] = await Promise.all([getKey(conn, "x"), setKey(conn, "y", "1")]);
      const waited = performance.now() - started;
      assert.equal(a.reply, "error");
      assert.equal(b.reply, "error");
      assert.match(a.error!, /no reply .* within 200 ms/);
      assert.ok(waited >= 190 && waited < 2000, `failed after the timeout, waited ${waited.toFixed(0)} ms`);
    } finally {
      await conn.close();
      await silent.close();
    }
  });

  test("a reply that answers the wrong request resets the connection with a protocol error", async () => {
    const liar = await fakeServer((socket) => socket.on("data", () => socket.write("DELETED\r\n")));
    const conn = new MemcachedConnection("127.0.0.1", liar.port, { timeoutMs: 2000 });
    try {
      const answer = await getKey(conn, "x");
      assert.equal(answer.reply, "error");
      assert.match(answer.error!, /protocol error .* expected a reply to get, found "DELETED/);
    } finally {
      await conn.close();
      await liar.close();
    }
  });

  test("while a server is unreachable requests fail at once, and the connection reconnects when it is back", async () => {
    const server = await fakeServer((socket) => socket.on("data", () => socket.write("END\r\n")));
    const port = server.port;
    await server.close();
    const conn = new MemcachedConnection("127.0.0.1", port, { timeoutMs: 2000, reconnectDelayMs: 20 });
    try {
      const refused = await getKey(conn, "x");
      assert.equal(refused.reply, "error");
      assert.match(refused.error!, /ECONNREFUSED/);
      const fast = await getKey(conn, "x");
      assert.equal(fast.reply, "error", "fails at once during the backoff");
      const backSockets = new Set<Socket>();
      const back = createServer((socket) => {
        backSockets.add(socket);
        socket.on("data", () => socket.write("END\r\n"));
      });
      await new Promise<void>((resolve) => back.listen(port, "127.0.0.1", resolve));
      try {
        let answer: Answer = fast;
        for (let i = 0; i < 100 && answer.reply !== "miss"; i++) {
          await new Promise((r) => setTimeout(r, 20));
          answer = await getKey(conn, "x");
        }
        assert.equal(answer.reply, "miss", "answers again once the server is back");
      } finally {
        await conn.close();
        for (const s of backSockets) s.destroy();
        await new Promise<void>((resolve) => back.close(() => resolve()));
      }
    } finally {
      await conn.close();
    }
  });
});
