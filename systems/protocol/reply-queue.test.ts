import assert from "node:assert/strict";
import { test } from "node:test";
import { ReplyQueue } from "./reply-queue.ts";

class Sink {
  writes: string[] = [];
  write(chunk: Buffer): void {
    this.writes.push(chunk.toString("latin1"));
  }
}

const bytes = (text: string) => Buffer.from(text, "latin1");
const tick = () => new Promise((r) => setImmediate(r));

test("replies written in one burst leave in one write once committed", () => {
  const sink = new Sink();
  const queue = new ReplyQueue(sink);
  queue.write(bytes("A\r\n"));
  queue.write(bytes("B\r\n"));
  queue.flush();
  assert.deepEqual(sink.writes, [], "nothing is sent before a commit");
  queue.commit();
  queue.flush();
  assert.deepEqual(sink.writes, ["A\r\nB\r\n"]);
  assert.equal(queue.empty, true);
});

test("replies after a pending one wait for it, then everything leaves in request order", async () => {
  const sink = new Sink();
  const queue = new ReplyQueue(sink);
  let release: (b: Buffer) => void = () => {};
  queue.write(bytes("1\r\n"));
  queue.writeLater(new Promise<Buffer>((r) => (release = r)), () => bytes("FAILED\r\n"));
  queue.write(bytes("3\r\n"));
  queue.commit();
  queue.flush();
  assert.deepEqual(sink.writes, ["1\r\n"]);
  assert.equal(queue.pending, 1);
  release(bytes("2\r\n"));
  await tick();
  assert.deepEqual(sink.writes.join(""), "1\r\n2\r\n3\r\n");
  assert.equal(queue.pending, 0);
});

test("a failed pending reply is replaced by the error reply", async () => {
  const sink = new Sink();
  const queue = new ReplyQueue(sink);
  queue.writeLater(Promise.reject(new Error("no ack")), (e) => bytes(`SERVER_ERROR ${(e as Error).message}\r\n`));
  queue.commit();
  await tick();
  assert.equal(sink.writes.join(""), "SERVER_ERROR no ack\r\n");
});

test("uncommitted replies can be discarded (memcached's unflushed replies), committed ones cannot", () => {
  const sink = new Sink();
  const queue = new ReplyQueue(sink);
  queue.write(bytes("kept\r\n"));
  queue.commit();
  queue.write(bytes("dropped\r\n"));
  assert.equal(queue.discardUncommitted(), true);
  queue.write(bytes("after\r\n"));
  queue.commit();
  queue.flush();
  assert.equal(sink.writes.join(""), "kept\r\nafter\r\n");
});

test("an uncommitted reply that settled is discarded with the rest; one still pending keeps them all", async () => {
  const sink = new Sink();
  const queue = new ReplyQueue(sink);
  let release: (b: Buffer) => void = () => {};
  queue.writeLater(new Promise<Buffer>((r) => (release = r)), () => bytes("FAILED\r\n"));
  queue.write(bytes("NOT_FOUND\r\n"));
  assert.equal(queue.discardUncommitted(), false, "a pending reply cannot be taken back");
  release(bytes("STORED\r\n"));
  await tick();
  assert.deepEqual(sink.writes, [], "settled but not committed: not sent");
  assert.equal(queue.discardUncommitted(), true);
  queue.write(bytes("CLIENT_ERROR bad command line format\r\n"));
  queue.commit();
  queue.flush();
  assert.equal(sink.writes.join(""), "CLIENT_ERROR bad command line format\r\n");
});

test("queues of several connections interleaving in the shared slab keep their own bytes", () => {
  const a = new Sink();
  const b = new Sink();
  const qa = new ReplyQueue(a);
  const qb = new ReplyQueue(b);
  for (let i = 0; i < 5000; i++) {
    qa.write(bytes(`a${i}\r\n`));
    qb.write(bytes(`b${i}\r\n`));
  }
  qa.commit();
  qb.commit();
  qa.flush();
  qb.flush();
  assert.equal(a.writes.join(""), Array.from({ length: 5000 }, (_, i) => `a${i}\r\n`).join(""));
  assert.equal(b.writes.join(""), Array.from({ length: 5000 }, (_, i) => `b${i}\r\n`).join(""));
});

test("an abandoned queue writes nothing, even when a pending reply arrives later", async () => {
  const sink = new Sink();
  const queue = new ReplyQueue(sink);
  let release: (b: Buffer) => void = () => {};
  queue.writeLater(new Promise<Buffer>((r) => (release = r)), () => bytes("x"));
  queue.write(bytes("later\r\n"));
  queue.commit();
  queue.abandon();
  release(bytes("late\r\n"));
  await tick();
  assert.deepEqual(sink.writes, []);
});
