import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_GET_LINE_BYTES, RequestParser, type ParserHandler } from "./parser.ts";

/** A handler that treats "v <n>" as announcing an n-byte value and "s <n>" as swallowing n bytes. */
class Recorder implements ParserHandler {
  events: string[] = [];
  views: Buffer[] = [];
  parser: RequestParser;

  constructor(options: { lentInput?: boolean } = {}) {
    this.parser = new RequestParser(this, options);
  }

  onLine(buf: Buffer, start: number, end: number): void {
    const line = buf.subarray(start, end).toString("latin1");
    this.events.push(`line:${line}`);
    const [word, n] = line.split(" ");
    if (word === "v") this.parser.expectValue(Number(n));
    if (word === "s") this.parser.swallow(Number(n));
  }

  onValue(value: Buffer, terminated: boolean): void {
    this.events.push(`value:${value.toString("latin1")}:${terminated ? "ok" : "bad"}`);
    this.views.push(value);
  }
}

const INPUT = "get a\r\nv 5\r\nab\r\nc\r\nnoreturn\nv 0\r\n\r\ns 4\r\nxxxxget b\r\n\r\n";
const EXPECTED = ["line:get a", "line:v 5", "value:ab\r\nc:ok", "line:noreturn", "line:v 0", "value::ok", "line:s 4", "line:get b", "line:\r"];

test("lines, values with CRLF inside, empty values and swallowed bytes are framed as memcached frames them", () => {
  const r = new Recorder();
  r.parser.feed(Buffer.from(INPUT, "latin1"));
  assert.deepEqual(r.events, EXPECTED);
});

test("input split at every byte boundary frames exactly the same requests", () => {
  const input = Buffer.from(INPUT, "latin1");
  for (let cut = 1; cut < input.length; cut++) {
    const r = new Recorder();
    r.parser.feed(input.subarray(0, cut));
    r.parser.feed(input.subarray(cut));
    assert.deepEqual(r.events, EXPECTED, `split at ${cut}`);
  }
});

test("input fed one byte at a time frames exactly the same requests", () => {
  const r = new Recorder();
  for (const byte of Buffer.from(INPUT, "latin1")) r.parser.feed(Buffer.from([byte]));
  assert.deepEqual(r.events, EXPECTED);
});

/** Feeds `input` as socket input read into one shared buffer is fed: lent, and overwritten right after. */
function feedLent(parser: RequestParser, shared: Buffer, input: Buffer): void {
  input.copy(shared);
  parser.feed(shared.subarray(0, input.length));
  shared.fill(0x23);
}

test("lent input, each read overwritten after feed, split at every byte boundary frames exactly the same requests", () => {
  const input = Buffer.from(INPUT, "latin1");
  const shared = Buffer.alloc(input.length);
  for (let cut = 1; cut < input.length; cut++) {
    const r = new Recorder({ lentInput: true });
    feedLent(r.parser, shared, input.subarray(0, cut));
    feedLent(r.parser, shared, input.subarray(cut));
    assert.deepEqual(r.events, EXPECTED, `split at ${cut}`);
  }
});

test("a value that arrives in one read is a view of that read, one split across reads is a copy", () => {
  const r = new Recorder();
  const chunk = Buffer.from("v 3\r\nabc\r\n", "latin1");
  r.parser.feed(chunk);
  chunk[5] = 0x7a; // the view sees the change: no copy was made
  assert.equal(r.views[0].toString(), "zbc");
  const first = Buffer.from("v 3\r\nab", "latin1");
  const second = Buffer.from("c\r\n", "latin1");
  r.parser.feed(first);
  r.parser.feed(second);
  first[5] = 0x7a;
  second[0] = 0x7a;
  assert.equal(r.views[1].toString(), "abc");
});

test("a value not followed by CRLF is reported bad and framing resumes right after its declared length", () => {
  const r = new Recorder();
  r.parser.feed(Buffer.from("v 1\r\nxy\r\nget a\r\n", "latin1"));
  assert.deepEqual(r.events, ["line:v 1", "value:x:bad", "line:", "line:get a"]);
});

test("an incomplete non-get line over 2048 bytes closes the connection, an incomplete multi-get does not", () => {
  const junk = new Recorder();
  junk.parser.feed(Buffer.from(`set k 0 0 1 ${"z".repeat(2100)}`, "latin1"));
  assert.equal(junk.parser.closed, true);
  const multiget = new Recorder();
  multiget.parser.feed(Buffer.from(`  get ${"k ".repeat(2000)}`, "latin1"));
  assert.equal(multiget.parser.closed, false);
  multiget.parser.feed(Buffer.from("\r\n", "latin1"));
  assert.equal(multiget.events.length, 1);
});

test("a complete line longer than memcached's 16 KiB read buffer closes the connection unless it is a multi-get", () => {
  const long = new Recorder();
  long.parser.feed(Buffer.from(`set k 0 0 1 ${"z".repeat(17000)}\r\n`, "latin1"));
  assert.equal(long.parser.closed, true);
  assert.deepEqual(long.events, []);
  const fits = new Recorder();
  fits.parser.feed(Buffer.from(`set k 0 0 1 ${"z".repeat(16000)}\r\n`, "latin1"));
  assert.equal(fits.events.length, 1);
});

test("a multi-get line beyond our own bound closes the connection instead of growing without limit", () => {
  const r = new Recorder();
  const piece = Buffer.from(`get ${"k ".repeat(100_000)}`, "latin1");
  r.parser.feed(piece);
  for (let sent = piece.length; sent <= MAX_GET_LINE_BYTES && !r.parser.closed; sent += 200_000) {
    r.parser.feed(Buffer.from("k ".repeat(100_000), "latin1"));
  }
  assert.equal(r.parser.closed, true);
  assert.equal(r.parser.bufferedBytes, 0);
});

test("swallowing a huge declared value keeps nothing in memory", () => {
  const r = new Recorder();
  r.parser.feed(Buffer.from("s 1073741826\r\n", "latin1"));
  for (let i = 0; i < 100; i++) r.parser.feed(Buffer.alloc(65536, 0x41));
  assert.equal(r.parser.bufferedBytes, 0);
  assert.equal(r.parser.midValue, true);
});

test("a paused parser keeps later input and frames it on resume, in order", () => {
  const r = new Recorder();
  const original = r.onLine.bind(r);
  r.onLine = (buf, start, end) => {
    original(buf, start, end);
    if (buf.subarray(start, end).toString() === "pause") r.parser.pause();
  };
  r.parser.feed(Buffer.from("a\r\npause\r\nb\r\n", "latin1"));
  r.parser.feed(Buffer.from("c\r\n", "latin1"));
  assert.deepEqual(r.events, ["line:a", "line:pause"]);
  r.parser.resume();
  assert.deepEqual(r.events, ["line:a", "line:pause", "line:b", "line:c"]);
});

test("a paused parser fed lent input keeps a copy of what arrives or remains behind the pause", () => {
  const r = new Recorder({ lentInput: true });
  const original = r.onLine.bind(r);
  r.onLine = (buf, start, end) => {
    original(buf, start, end);
    if (buf.subarray(start, end).toString() === "pause") r.parser.pause();
  };
  const shared = Buffer.alloc(64);
  feedLent(r.parser, shared, Buffer.from("a\r\npause\r\nb\r\n", "latin1"));
  feedLent(r.parser, shared, Buffer.from("c\r\nv 2\r\nxy\r\n", "latin1"));
  assert.deepEqual(r.events, ["line:a", "line:pause"]);
  r.parser.resume();
  assert.deepEqual(r.events, ["line:a", "line:pause", "line:b", "line:c", "line:v 2", "value:xy:ok"]);
});

test("a split value goes into the handler's target, with its CRLF checked apart", () => {
  const r = new Recorder();
  const target = Buffer.alloc(5);
  r.parser = new RequestParser({
    onLine: (buf, start, end) => r.onLine(buf, start, end),
    onValue: (value, terminated) => r.onValue(value, terminated),
    valueTarget: (length) => (length === 5 ? target : null),
  });
  r.parser.feed(Buffer.from("v 5\r\nab", "latin1"));
  r.parser.feed(Buffer.from("cde\r", "latin1"));
  r.parser.feed(Buffer.from("\nv 5\r\nabcdexx", "latin1"));
  assert.deepEqual(r.events, ["line:v 5", "value:abcde:ok", "line:v 5", "value:abcde:bad"]);
  assert.equal(r.views[0].buffer, target.buffer);
  assert.equal(r.views[0].byteOffset, target.byteOffset);
});

test("closing while a value is received into a target tells the handler to give the target back", () => {
  let abandoned = 0;
  const parser = new RequestParser({
    onLine: () => parser.expectValue(10),
    onValue: () => assert.fail("the value never completes"),
    valueTarget: () => Buffer.alloc(10),
    valueAbandoned: () => abandoned++,
  });
  parser.feed(Buffer.from("v\r\nabc", "latin1"));
  parser.close();
  parser.close();
  assert.equal(abandoned, 1);
});
