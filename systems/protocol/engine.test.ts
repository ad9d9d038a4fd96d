import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "../store/index.ts";
import { Op, type Backend, type ExtensionCommand, type Mutation } from "./backend.ts";
import { MemcachedEngine, type SessionTransport } from "./engine.ts";
import { PlainBackend } from "./plain-backend.ts";
import { Replies } from "./replies.ts";

/** Collects what a session writes, as a socket would carry it. */
class Collector implements SessionTransport {
  chunks: Buffer[] = [];
  paused = false;
  closed = false;
  write(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
  }
  pauseInput(): void {
    this.paused = true;
  }
  resumeInput(): void {
    this.paused = false;
  }
  close(): void {
    this.closed = true;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("latin1");
  }
}

/**
 * A replicated-mode stand-in: each write is applied to the store only when the test releases it
 * (as Cocytus applies after the parity acknowledged), and answered then.
 */
class HeldBackend implements Backend {
  readonly store = new Store({ memoryBytes: 8 * 1024 * 1024 });
  private readonly plain = new PlainBackend(this.store, 1024 * 1024);
  held: Array<{ release: () => void; fail: (error: Error) => void; op: Op }> = [];
  commands?: Map<string, ExtensionCommand>;
  beforeRead?: (key: Buffer) => Buffer | Promise<void> | undefined;

  execute(m: Mutation): Promise<Buffer> {
    const copy: Mutation = { ...m, key: Buffer.from(m.key), value: Buffer.from(m.value) };
    return new Promise((resolve, reject) => {
      this.held.push({ op: m.op, release: () => resolve(this.plain.execute(copy)), fail: reject });
    });
  }
}

const tick = () => new Promise((r) => setImmediate(r));

function session(backend: Backend) {
  const engine = new MemcachedEngine({ backend });
  const out = new Collector();
  return { engine, out, session: engine.openSession(out) };
}

test("replies leave in request order even when later writes complete first", async () => {
  const backend = new HeldBackend();
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nversion\r\n"));
  assert.equal(out.text(), "");
  backend.held[1].release();
  await tick();
  assert.equal(out.text(), "", "b's reply waits for a's");
  backend.held[0].release();
  await tick();
  assert.match(out.text(), /^STORED\r\nSTORED\r\nVERSION \S+\r\n$/);
});

test("a read waits for the connection's earlier writes, so a client reads its own writes", async () => {
  const backend = new HeldBackend();
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set k 0 0 2\r\nv1\r\nget k\r\nset k 0 0 2\r\nv2\r\n"));
  assert.equal(backend.held.length, 1, "the get holds back the input behind it");
  assert.equal(out.paused, true);
  s.receive(Buffer.from("get k\r\n"));
  backend.held[0].release();
  await tick();
  assert.equal(out.text(), "STORED\r\nVALUE k 0 2\r\nv1\r\nEND\r\n");
  assert.equal(backend.held.length, 2);
  backend.held[1].release();
  await tick();
  assert.equal(out.text(), "STORED\r\nVALUE k 0 2\r\nv1\r\nEND\r\nSTORED\r\nVALUE k 0 2\r\nv2\r\nEND\r\n");
  assert.equal(out.paused, false);
});

test("a write that fails is answered with SERVER_ERROR and the connection goes on", async () => {
  const backend = new HeldBackend();
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("delete a\r\nversion\r\n"));
  backend.held[0].fail(new Error("parity process 3 did not acknowledge\r\nin time"));
  await tick();
  assert.match(out.text(), /^SERVER_ERROR parity process 3 did not acknowledge in time\r\nVERSION \S+\r\n$/);
});

test("a noreply write that completes later sends nothing but still goes before a later read", async () => {
  const backend = new HeldBackend();
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set q 0 0 1 noreply\r\nx\r\nget q\r\n"));
  backend.held[0].release();
  await tick();
  assert.equal(out.text(), "VALUE q 0 1\r\nx\r\nEND\r\n");
});

test("quit waits for pending replies, then closes", async () => {
  const backend = new HeldBackend();
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set a 0 0 1\r\n1\r\nquit\r\nversion\r\n"));
  assert.equal(out.closed, false);
  backend.held[0].release();
  await tick();
  assert.equal(out.text(), "STORED\r\n");
  assert.equal(out.closed, true);
});

test("an extension command answers, unknown commands still get ERROR, memcached's commands are not overridable", async () => {
  const backend = new HeldBackend();
  backend.commands = new Map<string, ExtensionCommand>([
    ["view", (args) => Buffer.from(`VIEW epoch=7 args=${args.length}\r\n`)],
    ["later", async () => Buffer.from("LATER\r\n")],
    ["version", () => Buffer.from("NOT USED\r\n")],
  ]);
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("view 1 2\r\nlater\r\nviews\r\nversion\r\n"));
  await tick();
  assert.match(out.text(), /^VIEW epoch=7 args=3\r\nLATER\r\nERROR\r\nVERSION \d/);
});

test("a read gate can answer a read itself or delay it until the key is ready, and the replies before it wait with it", async () => {
  const backend = new HeldBackend();
  backend.store.set(Buffer.from("mine"), Buffer.from("m"), 0, 0);
  let repaired: () => void = () => {};
  backend.beforeRead = (key) => {
    if (key.toString() === "theirs") return Buffer.from("SERVER_ERROR not the owner of this key\r\n");
    if (key.toString() === "repairing") return new Promise<void>((r) => (repaired = r));
    return undefined;
  };
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("get mine theirs\r\nget repairing mine\r\nversion\r\n"));
  // memcached sends the replies to one read once it has run all of it (and drops the unsent ones
  // on a too-long key in a multi-get), so nothing leaves while a line of it waits.
  assert.equal(out.text(), "");
  backend.beforeRead = () => undefined;
  repaired();
  await tick();
  assert.match(out.text(), /^SERVER_ERROR not the owner of this key\r\nVALUE mine 0 1\r\nm\r\nEND\r\nVERSION /);
});

test("stats reports memcached's fields and the store's accounting", () => {
  const backend = new PlainBackend(new Store({ memoryBytes: 8 * 1024 * 1024 }), 1024 * 1024);
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set abc 0 0 5\r\nhello\r\nget abc nope\r\nstats\r\n"));
  const stats = new Map(
    out
      .text()
      .split("\r\n")
      .filter((l) => l.startsWith("STAT "))
      .map((l) => l.split(" ").slice(1) as [string, string]),
  );
  for (const field of ["pid", "uptime", "time", "version", "curr_connections", "total_connections", "threads", "limit_maxbytes", "rss", "heap_used", "heap_total", "runtime_bytes", "gc_young_collections", "gc_idle_collections", "gc_idle_pending", "parity_bytes", "metadata_replica_bytes", "data_area_bytes", "metadata_bytes"]) {
    assert.ok(stats.has(field), `stats has ${field}`);
  }
  assert.equal(stats.get("cmd_get"), "2");
  assert.equal(stats.get("get_hits"), "1");
  assert.equal(stats.get("get_misses"), "1");
  assert.equal(stats.get("cmd_set"), "1");
  assert.equal(stats.get("curr_items"), "1");
  assert.equal(stats.get("bytes"), "5");
  assert.equal(stats.get("key_bytes"), "3");
  assert.ok(Number(stats.get("rss")) > 10 * 1024 * 1024, "rss is in bytes");
  const accounted = ["data_area_bytes", "parity_bytes", "metadata_bytes", "metadata_replica_bytes", "key_bytes"].reduce((sum, field) => sum + Number(stats.get(field)), 0);
  assert.equal(Number(stats.get("runtime_bytes")), Number(stats.get("rss")) - accounted, "runtime_bytes is RSS beyond the store's accounting");
});

test("a set too large for the item size removes the old value through the backend, quietly", async () => {
  const backend = new HeldBackend();
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set big 0 0 2000000\r\n"));
  assert.equal(backend.held.length, 1);
  assert.equal(backend.held[0].op, Op.Delete);
  s.receive(Buffer.alloc(2000002, 0x61));
  s.receive(Buffer.from("version\r\n"));
  backend.held[0].release();
  await tick();
  assert.match(out.text(), /^SERVER_ERROR object too large for cache\r\nVERSION /);
  assert.equal(Replies.TOO_LARGE.toString(), "SERVER_ERROR object too large for cache\r\n");
});

test("a set value split across reads is received straight into the data area and published", () => {
  const store = new Store({ memoryBytes: 8 * 1024 * 1024 });
  const backend = new PlainBackend(store, 1024 * 1024);
  const reserved: number[] = [];
  const reserve = backend.reserve.bind(backend);
  backend.reserve = (length) => {
    const region = reserve(length);
    if (region) reserved.push(region.offset);
    return region;
  };
  const { out, session: s } = session(backend);
  const value = Buffer.alloc(3000, 0x71);
  s.receive(Buffer.concat([Buffer.from("set split 5 0 3000\r\n"), value.subarray(0, 1000)]));
  s.receive(value.subarray(1000));
  s.receive(Buffer.from("\r\nget split\r\n"));
  assert.equal(out.text(), `STORED\r\nVALUE split 5 3000\r\n${value.toString()}\r\nEND\r\n`);
  assert.equal(reserved.length, 1);
  assert.equal(store.valueOffset(store.lookup(Buffer.from("split"), 0)), reserved[0], "the value lives where it was received");
});

test("a split set value that is torn off or malformed gives its data-area region back", () => {
  const store = new Store({ memoryBytes: 8 * 1024 * 1024 });
  const backend = new PlainBackend(store, 1024 * 1024);
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set bad 0 0 3000\r\nxyz"));
  s.receive(Buffer.alloc(2999, 0x61));
  assert.equal(out.text(), "CLIENT_ERROR bad data chunk\r\n");
  assert.equal(store.allocator.liveSlots, 0);
  const torn = session(backend).session;
  torn.receive(Buffer.from("set torn 0 0 3000\r\nxyz"));
  assert.equal(store.allocator.liveSlots, 1);
  torn.closed();
  assert.equal(store.allocator.liveSlots, 0);
  assert.equal(store.lookup(Buffer.from("torn"), 0), -1);
});

test("relative expiry and a delayed flush_all take effect when their second comes", async () => {
  const backend = new PlainBackend(new Store({ memoryBytes: 8 * 1024 * 1024 }), 1024 * 1024);
  const { out, session: s } = session(backend);
  s.receive(Buffer.from("set short 0 1 1\r\na\r\nset long 0 100 1\r\nb\r\nflush_all 4\r\nget short long\r\n"));
  assert.equal(out.text(), "STORED\r\nSTORED\r\nOK\r\nVALUE short 0 1\r\na\r\nVALUE long 0 1\r\nb\r\nEND\r\n");
  const start = Math.floor(Date.now() / 1000);
  // "short" expires at start + 1; the flush takes effect at start + 3 (memcached flushes one second early).
  await new Promise((r) => setTimeout(r, (start + 1) * 1000 - Date.now() + 50));
  out.chunks = [];
  s.receive(Buffer.from("get short long\r\n"));
  assert.equal(out.text(), "VALUE long 0 1\r\nb\r\nEND\r\n");
  await new Promise((r) => setTimeout(r, (start + 3) * 1000 - Date.now() + 50));
  out.chunks = [];
  s.receive(Buffer.from("get long\r\n"));
  assert.equal(out.text(), "END\r\n");
});

/** Feeds `input` as a socket read into one shared buffer is fed with lent input: overwritten right after. */
function receiveLent(s: { receive(chunk: Buffer): void }, shared: Buffer, input: Buffer): void {
  input.copy(shared);
  s.receive(shared.subarray(0, input.length));
  shared.fill(0x23);
}

const CONVERSATION = Buffer.from(
  "set alpha 5 0 3\r\nabc\r\nset beta 0 0 10\r\n0123\r\n6789\r\nappend alpha 0 0 2\r\nde\r\nget alpha beta gamma\r\n" +
    "incr n 1\r\nset n 0 0 2\r\n41\r\nincr n 1\r\ntouch alpha 100\r\ndelete beta\r\nadd n 0 0 1\r\nx\r\nget beta n alpha\r\n",
  "latin1",
);

test("plain mode reads lent input: a conversation split at every byte, each read overwritten after it is received, gets the replies of one read", () => {
  const replies = (feed: (s: { receive(chunk: Buffer): void }) => void) => {
    const { engine, out, session: s } = session(new PlainBackend(new Store({ memoryBytes: 8 * 1024 * 1024 }), 1024 * 1024));
    assert.equal(engine.lendsInput, true);
    feed(s);
    return out.text();
  };
  const expected = replies((s) => s.receive(Buffer.from(CONVERSATION)));
  assert.match(expected, /^STORED\r\nSTORED\r\nSTORED\r\nVALUE alpha 5 5\r\nabcde\r\nVALUE beta 0 10\r\n0123\r\n6789\r\nEND\r\nNOT_FOUND\r\nSTORED\r\n42\r\nTOUCHED\r\nDELETED\r\nNOT_STORED\r\nVALUE n 0 2\r\n42\r\nVALUE alpha 5 5\r\nabcde\r\nEND\r\n$/);
  const shared = Buffer.alloc(CONVERSATION.length);
  for (let cut = 1; cut < CONVERSATION.length; cut++) {
    const got = replies((s) => {
      receiveLent(s, shared, CONVERSATION.subarray(0, cut));
      receiveLent(s, shared, CONVERSATION.subarray(cut));
    });
    assert.equal(got, expected, `split at ${cut}`);
  }
  assert.equal(
    replies((s) => {
      for (let i = 0; i < CONVERSATION.length; i++) receiveLent(s, shared, CONVERSATION.subarray(i, i + 1));
    }),
    expected,
    "one byte a read",
  );
});

test("with lent input, a read that waits for an earlier reply keeps a copy of its line", async () => {
  let release = () => {};
  const held = new Promise<Buffer>((resolve) => (release = () => resolve(Buffer.from("HELD\r\n"))));
  class HoldingPlain extends PlainBackend {
    readonly commands = new Map<string, ExtensionCommand>([["hold", () => held]]);
  }
  const { engine, out, session: s } = session(new HoldingPlain(new Store({ memoryBytes: 8 * 1024 * 1024 }), 1024 * 1024));
  assert.equal(engine.lendsInput, true);
  const shared = Buffer.alloc(64);
  receiveLent(s, shared, Buffer.from("set k 0 0 1\r\nv\r\nhold\r\nget k\r\n"));
  assert.equal(out.paused, true, "the get waits for hold's reply");
  release();
  await tick();
  assert.equal(out.text(), "STORED\r\nHELD\r\nVALUE k 0 1\r\nv\r\nEND\r\n");
});

test("a backend that keeps views of its input is never fed lent input", () => {
  assert.equal(new MemcachedEngine({ backend: new HeldBackend() }).lendsInput, false);
});
