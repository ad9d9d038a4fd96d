/**
 * The memcached text protocol engine: one MemcachedEngine per server, one ProtocolSession per
 * client connection. A session frames input (parser.ts), tokenizes each line (tokens.ts), checks
 * it exactly as memcached 1.6's proto_text.c does (same order of checks, same error replies),
 * serves reads from the backend's store and hands writes to the backend (backend.ts), and queues
 * replies in request order (reply-queue.ts).
 *
 * Deliberately not implemented (memcached answers them, we answer ERROR): the meta commands
 * (mg, ms, md, ma, mn, me), slabs, lru, lru_crawler, watch, cache_memlimit, stats cachedump.
 */

import { Op, type Backend, type Mutation, type ValueRegion } from "./backend.ts";
import { Counters, SERVER_VERSION, generalStats, statsReply } from "./counters.ts";
import { absoluteExptime, serverNow } from "./expiry.ts";
import { decimalLength, parseCasUnique, parseInt32, parseUint32, parseUint64, writeDecimal } from "./numbers.ts";
import { RequestParser, type ParserHandler } from "./parser.ts";
import { ReplyQueue, type ReplyTransport } from "./reply-queue.ts";
import { Replies, serverError } from "./replies.ts";
import { maxValueLength } from "./semantics.ts";
import { Tokens, ascii } from "./tokens.ts";

/** memcached's KEY_MAX_LENGTH. */
export const MAX_KEY_LENGTH = 250;
/** memcached's default item size limit (-I). */
export const DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;
/** memcached's INT_MAX - 2: the largest value length that is not a format error. */
const MAX_DECLARED_LENGTH = 2147483647 - 2;
/** memcached's reqs_per_event: replies are flushed at least every this many requests. */
const REQUESTS_PER_EVENT = 20;

export interface EngineOptions {
  backend: Backend;
  /** memcached's -I: the item size limit in bytes (default 1 MiB). */
  maxItemSize?: number;
  /** Reported as max_connections. */
  maxConnections?: number;
  /** Extra `stats settings` fields (tcpport, ...). */
  settings?: Record<string, number | string>;
}

/** What a session needs from its connection besides writing bytes. */
export interface SessionTransport extends ReplyTransport {
  /** Stop and restart delivering input (a read waits for this connection's earlier writes). */
  pauseInput(): void;
  resumeInput(): void;
  /** Close the connection once the bytes written so far are sent. */
  close(): void;
}

export class MemcachedEngine {
  readonly backend: Backend;
  /**
   * Whether sessions may be fed lent input (valid only during receive(): the connection's shared
   * read buffer): yes when the backend keeps no views of what it is handed (Backend.keepsInputViews).
   */
  readonly lendsInput: boolean;
  readonly maxItemSize: number;
  readonly counters = new Counters();
  readonly startedAt = serverNow();
  private readonly maxConnections: number;
  private readonly settings: Record<string, number | string>;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(options: EngineOptions) {
    this.backend = options.backend;
    this.lendsInput = options.backend.keepsInputViews === false;
    this.maxItemSize = options.maxItemSize ?? DEFAULT_MAX_ITEM_SIZE;
    this.maxConnections = options.maxConnections ?? 1024;
    this.settings = options.settings ?? {};
  }

  /** Starts a session for a new connection; call session.closed() when the connection ends. */
  openSession(transport: SessionTransport): ProtocolSession {
    this.counters.total_connections++;
    this.counters.curr_connections++;
    return new ProtocolSession(this, transport);
  }

  /** The general `stats` reply. */
  stats(now: number): Buffer {
    return generalStats({
      counters: this.counters,
      startedAt: this.startedAt,
      now,
      maxConnections: this.maxConnections,
      store: this.backend.store.stats(),
      extra: this.backend.stats?.(),
    });
  }

  settingsStats(): Buffer {
    const store = this.backend.store.stats();
    return statsReply({
      maxbytes: store.limit_maxbytes,
      maxconns: this.maxConnections,
      evictions: "off",
      num_threads: 1,
      cas_enabled: "yes",
      item_size_max: this.maxItemSize,
      ...this.settings,
    });
  }

  /**
   * flush_all with memcached's timing: items are invalid from one second before the given time
   * on, so a delay of 0 or 1 flushes now. A later flush_all replaces a pending one.
   */
  scheduleFlush(flushAt: number, now: number): boolean {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const effective = flushAt - 1;
    if (effective <= now) return true;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const m = newMutation();
      m.op = Op.FlushAll;
      m.now = serverNow();
      const result = this.backend.execute(m);
      if (!Buffer.isBuffer(result)) result.catch(() => {});
    }, effective * 1000 - Date.now());
    this.flushTimer.unref();
    return false;
  }

  /** Stops timers (server shutdown). */
  close(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }
}

function newMutation(): Mutation {
  return { op: Op.Set, key: EMPTY, value: EMPTY, flags: 0, exptime: 0, cas: 0, delta: 0n, now: 0, noreply: false };
}

const EMPTY = Buffer.alloc(0);

const W = {
  get: ascii("get"),
  gets: ascii("gets"),
  gat: ascii("gat"),
  gats: ascii("gats"),
  bget: ascii("bget"),
  set: ascii("set"),
  stats: ascii("stats"),
  shutdown: ascii("shutdown"),
  add: ascii("add"),
  append: ascii("append"),
  cas: ascii("cas"),
  incr: ascii("incr"),
  delete: ascii("delete"),
  decr: ascii("decr"),
  touch: ascii("touch"),
  replace: ascii("replace"),
  prepend: ascii("prepend"),
  flush_all: ascii("flush_all"),
  version: ascii("version"),
  quit: ascii("quit"),
  verbosity: ascii("verbosity"),
  noreply: ascii("noreply"),
  zero: ascii("0"),
  reset: ascii("reset"),
  detail: ascii("detail"),
  settings: ascii("settings"),
  on: ascii("on"),
  off: ascii("off"),
  dump: ascii("dump"),
  items: ascii("items"),
  slabs: ascii("slabs"),
  sizes: ascii("sizes"),
  conns: ascii("conns"),
  http: ascii("HTTP/"),
} as const;

const VALUE_PREFIX = ascii("VALUE ");
const CRLF = ascii("\r\n");
const VERSION_REPLY = Buffer.from(`VERSION ${SERVER_VERSION}\r\n`, "latin1");

/**
 * One client connection's protocol state. With lent input (engine.lendsInput) every chunk is
 * overwritten after receive() returns, so what the session keeps across reads is copied: the key
 * of a storage command whose value has not all arrived, and a read line that waits (defer).
 */
export class ProtocolSession implements ParserHandler {
  private readonly parser: RequestParser;
  private readonly replies: ReplyQueue;
  private readonly tokens = new Tokens();
  /** Reused for every mutation handed to the backend (see Backend.execute). */
  private readonly mutation = newMutation();
  private readonly backend: Backend;
  private now = serverNow();
  /** memcached's c->noreply for the command being processed. */
  private noreply = false;
  /** The storage command waiting for its value. */
  private pendingOp: Op = Op.Set;
  private pendingKey: Buffer = EMPTY;
  /** With lent input: the copy of pendingKey kept across reads (allocated on first use). */
  private keptKey: Buffer | null = null;
  private pendingFlags = 0;
  private pendingExptime = 0;
  private pendingCas = 0;
  private pendingNoreply = false;
  /** The data-area region a split set value is being received into (Backend.directSet). */
  private pendingRegion: ValueRegion | null = null;
  /** Requests left before memcached would flush replies on its own (reqs_per_event). */
  private requestBudget = REQUESTS_PER_EVENT + 1;
  /** A read that waits for this connection's earlier writes: its line, run again on resume. */
  private deferredLine: Buffer | null = null;
  private deferredStart = 0;
  private deferredEnd = 0;
  /** We are closing: no more input is processed. */
  private closing = false;
  /** The client sent its last byte (EOF). */
  private ended = false;
  /** transport.close() was called. */
  private finished = false;
  /** The connection is gone. */
  private gone = false;

  constructor(
    private readonly engine: MemcachedEngine,
    private readonly transport: SessionTransport,
  ) {
    this.backend = engine.backend;
    this.parser = new RequestParser(this, { lentInput: engine.lendsInput });
    this.replies = new ReplyQueue(transport, () => this.onReplySettled());
  }

  /** Feeds bytes read from the connection. */
  receive(chunk: Buffer): void {
    if (this.closing) return;
    this.engine.counters.bytes_read += chunk.length;
    this.now = serverNow();
    this.requestBudget = REQUESTS_PER_EVENT + 1;
    this.parser.feed(chunk);
    if (this.engine.lendsInput) this.keepPendingKey();
    this.afterInput();
  }

  /** Lent input: a storage command still waiting for its value keeps a copy of its key. */
  private keepPendingKey(): void {
    const key = this.pendingKey;
    if (!this.parser.midValue || key.length === 0 || key.buffer === this.keptKey?.buffer) return;
    this.keptKey ??= Buffer.alloc(MAX_KEY_LENGTH);
    key.copy(this.keptKey);
    this.pendingKey = this.keptKey.subarray(0, key.length);
  }

  /** The client closed its side: answer what was received completely, then close. */
  inputEnded(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.parser.midValue) this.replies.discardUncommitted();
    if (this.deferredLine === null) this.close();
  }

  /** The connection is gone (either side closed it); call exactly once. */
  closed(): void {
    if (this.gone) return;
    this.gone = true;
    this.closing = true;
    this.parser.close();
    this.replies.abandon();
    this.engine.counters.curr_connections--;
  }

  private afterInput(): void {
    if (this.parser.closed && !this.closing) {
      this.close();
      return;
    }
    // memcached flushes when it runs out of input at a line boundary, not while reading a value,
    // nor while a line of this input waits for earlier replies: memcached would not have sent
    // them before that line ran (a too-long key in a multi-get drops them).
    if (!this.parser.midValue && this.deferredLine === null) this.replies.commit();
    this.replies.flush();
  }

  /** Sends what memcached would have sent, then closes once pending replies are in. */
  private close(): void {
    if (!this.closing) {
      this.closing = true;
      this.parser.close();
      this.replies.discardUncommitted();
      this.replies.flush();
    }
    if (!this.finished && this.replies.pending === 0) {
      this.finished = true;
      this.transport.close();
    }
  }

  /** A queued reply (or a read gate) settled: finish closing, or run the read that waited. */
  private onReplySettled(): void {
    if (this.closing) {
      if (!this.gone) this.close();
      return;
    }
    if (this.deferredLine === null || this.replies.pending > 0) return;
    const line = this.deferredLine;
    this.deferredLine = null;
    this.onLine(line, this.deferredStart, this.deferredEnd);
    if (this.deferredLine === null) {
      this.parser.resume();
      if (!this.parser.isPaused) this.transport.resumeInput();
    }
    this.afterInput();
    if (this.ended && this.deferredLine === null) this.close();
  }

  // ---- ParserHandler ----

  onLine(buf: Buffer, start: number, end: number): void {
    this.noreply = false;
    const t = this.tokens;
    t.split(buf, start, end);
    this.dispatch(buf, start, end);
    // A storage command counts once its value is in (memcached's conn_new_cmd).
    if (!this.parser.midValue && --this.requestBudget === 0) {
      this.replies.commit();
      this.requestBudget = REQUESTS_PER_EVENT;
    }
  }

  valueTarget(length: number): Buffer | null {
    const direct = this.backend.directSet;
    if (this.pendingOp !== Op.Set || direct === undefined) return null;
    this.pendingRegion = direct.reserve(length);
    return this.pendingRegion === null ? null : this.pendingRegion.bytes;
  }

  valueAbandoned(): void {
    if (this.pendingRegion !== null) this.backend.directSet!.release(this.pendingRegion);
    this.pendingRegion = null;
  }

  onValue(value: Buffer, terminated: boolean): void {
    this.engine.counters.cmd_set++;
    const noreply = this.pendingNoreply;
    const region = this.pendingRegion;
    this.pendingRegion = null;
    if (!terminated) {
      if (region !== null) this.backend.directSet!.release(region);
      if (!noreply) this.replies.write(Replies.BAD_DATA_CHUNK);
    } else if (region !== null) {
      const m = this.fillPending(value, noreply);
      this.submitResult(this.backend.directSet!.commit(region, m), noreply, m.op);
    } else {
      this.submit(this.fillPending(value, noreply));
    }
    this.pendingKey = EMPTY;
    if (--this.requestBudget === 0) {
      this.replies.commit();
      this.requestBudget = REQUESTS_PER_EVENT;
    }
  }

  private fillPending(value: Buffer, noreply: boolean): Mutation {
    const m = this.mutation;
    m.op = this.pendingOp;
    m.key = this.pendingKey;
    m.value = value;
    m.flags = this.pendingFlags;
    m.exptime = this.pendingExptime;
    m.cas = this.pendingCas;
    m.now = this.now;
    m.noreply = noreply;
    return m;
  }

  // ---- dispatch (process_command_ascii) ----

  private dispatch(buf: Buffer, start: number, end: number): void {
    const t = this.tokens;
    const count = t.count;
    if (count < 1 || t.length(0) < 2) return this.reply(Replies.ERROR);
    const first = buf[t.start[0]];
    switch (first) {
      case 0x67: // g
        if (t.is(0, W.get) || t.is(0, W.gets) || t.is(0, W.gat) || t.is(0, W.gats)) {
          if (count < 2) return this.reply(Replies.ERROR);
          return this.get(buf, start, end, t.is(0, W.gets) || t.is(0, W.gats), t.is(0, W.gat) || t.is(0, W.gats));
        }
        return this.unknown(false);
      case 0x73: // s
        if (t.is(0, W.set)) return this.storage(Op.Set, 5, count);
        if (t.is(0, W.stats)) return this.stats();
        if (t.is(0, W.shutdown)) return this.reply(Replies.SHUTDOWN_DISABLED);
        return this.unknown(false);
      case 0x61: // a
        if (t.is(0, W.add)) return this.storage(Op.Add, 5, count);
        if (t.is(0, W.append)) return this.storage(Op.Append, 5, count);
        return this.unknown(false);
      case 0x63: // c
        if (t.is(0, W.cas)) return this.storage(Op.Cas, 6, count);
        return this.unknown(false);
      case 0x69: // i
        if (t.is(0, W.incr)) return this.arithmetic(Op.Incr, count);
        return this.unknown(false);
      case 0x64: // d
        if (t.is(0, W.delete)) return this.delete(count);
        if (t.is(0, W.decr)) return this.arithmetic(Op.Decr, count);
        return this.unknown(false);
      case 0x74: // t
        if (t.is(0, W.touch)) return this.touch(count);
        return this.unknown(false);
      case 0x6d: // m
        if (t.length(0) === 2) return this.unknown(false); // meta commands: not implemented
        break;
    }
    if (t.is(0, W.replace)) return this.storage(Op.Replace, 5, count);
    if (t.is(0, W.prepend)) return this.storage(Op.Prepend, 5, count);
    if (t.is(0, W.bget)) {
      if (count < 2) return this.reply(Replies.ERROR);
      return this.get(buf, start, end, false, false);
    }
    if (t.is(0, W.flush_all)) return this.flushAll(count);
    if (t.is(0, W.version)) return this.reply(VERSION_REPLY);
    if (t.is(0, W.quit)) return this.quit();
    if (t.is(0, W.verbosity)) return this.verbosity(count);
    return this.unknown(true);
  }

  /** set_noreply_maybe: the last token is "noreply". */
  private checkNoreply(): boolean {
    const t = this.tokens;
    if (t.count > 0 && t.is(t.count - 1, W.noreply)) this.noreply = true;
    return this.noreply;
  }

  private reply(bytes: Buffer): void {
    if (!this.noreply) this.replies.write(bytes);
  }

  /** A command memcached does not know (or we do not implement): an extension, or ERROR. */
  private unknown(httpCheck: boolean): void {
    const t = this.tokens;
    const extension = this.backend.commands?.get(t.text(0));
    if (extension !== undefined) {
      const args: Buffer[] = [];
      for (let i = 0; i < t.count; i++) args.push(t.view(i));
      let result: Buffer | Promise<Buffer>;
      try {
        result = extension(args);
      } catch (error) {
        result = serverError(errorMessage(error));
      }
      return this.submitResult(result, false, null);
    }
    // memcached closes connections that speak HTTP to it.
    if (httpCheck && t.startsWith(t.count - 1, W.http)) {
      this.parser.close();
      return;
    }
    this.reply(Replies.ERROR);
  }

  // ---- storage commands (process_update_command) ----

  private storage(op: Op, argCount: number, count: number): void {
    // set/add/replace/append/prepend take 4 arguments (+ noreply); cas 5 (+ noreply).
    if (count !== argCount && count !== argCount + 1) return this.reply(Replies.ERROR);
    this.checkNoreply();
    const t = this.tokens;
    const buf = t.buf;
    const keyLength = t.length(1);
    if (keyLength > MAX_KEY_LENGTH) return this.reply(Replies.BAD_FORMAT);
    const flags = parseUint32(buf, t.start[2], t.end[2]);
    const exptime = flags === null ? null : parseInt32(buf, t.start[3], t.end[3]);
    const length = exptime === null ? null : parseInt32(buf, t.start[4], t.end[4]);
    if (flags === null || exptime === null || length === null) return this.reply(Replies.BAD_FORMAT);
    let cas = 0;
    if (op === Op.Cas) {
      const parsed = parseCasUnique(buf, t.start[5], t.end[5]);
      if (parsed === null) return this.reply(Replies.BAD_FORMAT);
      cas = parsed;
    }
    if (length < 0 || length > MAX_DECLARED_LENGTH) return this.reply(Replies.BAD_FORMAT);
    const key = t.view(1);
    if (length > maxValueLength(this.engine.maxItemSize, keyLength, flags)) {
      // As memcached: answer, skip the data without storing it, and drop a stale value on set.
      this.engine.counters.store_too_large++;
      this.reply(Replies.TOO_LARGE);
      this.parser.swallow(length + 2);
      if (op === Op.Set) this.quietDelete(key);
      return;
    }
    this.pendingOp = op;
    this.pendingKey = key;
    this.pendingFlags = flags;
    this.pendingExptime = absoluteExptime(exptime, this.now);
    this.pendingCas = cas;
    this.pendingNoreply = this.noreply;
    this.parser.expectValue(length);
  }

  /** Removes a key without a reply of its own (a set that was too large). */
  private quietDelete(key: Buffer): void {
    const result = this.backend.execute(this.mutationFor(Op.Delete, key, 0, true));
    if (!Buffer.isBuffer(result)) this.replies.writeLater(result.then(() => Replies.NONE), () => Replies.NONE);
  }

  // ---- other writes ----

  private delete(count: number): void {
    // delete <key> [0] [noreply]
    if (count < 2 || count > 4) return this.reply(Replies.ERROR);
    const t = this.tokens;
    if (count > 2) {
      const holdIsZero = t.is(2, W.zero);
      const noreply = this.checkNoreply();
      const valid = (count === 3 && (holdIsZero || noreply)) || (count === 4 && holdIsZero && noreply);
      if (!valid) return this.reply(Replies.BAD_DELETE_FORMAT);
    }
    if (t.length(1) > MAX_KEY_LENGTH) return this.reply(Replies.BAD_FORMAT);
    this.submitKeyed(Op.Delete, 0, 0n);
  }

  private arithmetic(op: Op, count: number): void {
    if (count !== 3 && count !== 4) return this.reply(Replies.ERROR);
    this.checkNoreply();
    const t = this.tokens;
    if (t.length(1) > MAX_KEY_LENGTH) return this.reply(Replies.BAD_FORMAT);
    const delta = parseUint64(t.buf, t.start[2], t.end[2]);
    if (delta === null) return this.reply(Replies.INVALID_DELTA);
    this.submitKeyed(op, 0, delta);
  }

  private touch(count: number): void {
    if (count !== 3 && count !== 4) return this.reply(Replies.ERROR);
    this.checkNoreply();
    const t = this.tokens;
    if (t.length(1) > MAX_KEY_LENGTH) return this.reply(Replies.BAD_FORMAT);
    const exptime = parseInt32(t.buf, t.start[2], t.end[2]);
    if (exptime === null) return this.reply(Replies.INVALID_EXPTIME);
    this.submitKeyed(Op.Touch, absoluteExptime(exptime, this.now), 0n);
  }

  private submitKeyed(op: Op, exptime: number, delta: bigint): void {
    const m = this.mutationFor(op, this.tokens.view(1), exptime, this.noreply);
    m.delta = delta;
    this.submit(m);
  }

  /** The reused mutation, filled for a write without a value. */
  private mutationFor(op: Op, key: Buffer, exptime: number, noreply: boolean): Mutation {
    const m = this.mutation;
    m.op = op;
    m.key = key;
    m.value = EMPTY;
    m.exptime = exptime;
    m.now = this.now;
    m.noreply = noreply;
    return m;
  }

  private flushAll(count: number): void {
    if (count < 1 || count > 3) return this.reply(Replies.ERROR);
    const noreply = this.checkNoreply();
    this.engine.counters.cmd_flush++;
    let delay = 0;
    if (count + 1 !== (noreply ? 3 : 2)) {
      const t = this.tokens;
      const parsed = parseInt32(t.buf, t.start[1], t.end[1]);
      if (parsed === null) return this.reply(Replies.INVALID_EXPTIME);
      delay = parsed;
    }
    const flushAt = delay > 0 ? absoluteExptime(delay, this.now) : this.now;
    if (!this.engine.scheduleFlush(flushAt, this.now)) return this.reply(Replies.OK);
    this.submit(this.mutationFor(Op.FlushAll, EMPTY, 0, noreply));
  }

  /** Hands a mutation to the backend and queues its reply. */
  private submit(m: Mutation): void {
    let result: Buffer | Promise<Buffer>;
    try {
      result = this.backend.execute(m);
    } catch (error) {
      result = serverError(errorMessage(error));
    }
    this.submitResult(result, m.noreply, m.op);
  }

  private submitResult(result: Buffer | Promise<Buffer>, noreply: boolean, op: Op | null): void {
    if (Buffer.isBuffer(result)) {
      if (op !== null) this.count(op, result);
      if (!noreply) this.replies.write(result);
      return;
    }
    this.replies.writeLater(
      result.then((bytes) => {
        if (op !== null) this.count(op, bytes);
        return noreply ? Replies.NONE : bytes;
      }),
      (error) => (noreply ? Replies.NONE : serverError(errorMessage(error))),
    );
  }

  /** memcached's hit and miss counters, from the reply. */
  private count(op: Op, reply: Buffer): void {
    const c = this.engine.counters;
    switch (op) {
      case Op.Cas:
        if (reply === Replies.STORED) c.cas_hits++;
        else if (reply === Replies.EXISTS) c.cas_badval++;
        else if (reply === Replies.NOT_FOUND) c.cas_misses++;
        break;
      case Op.Delete:
        if (reply === Replies.DELETED) c.delete_hits++;
        else if (reply === Replies.NOT_FOUND) c.delete_misses++;
        break;
      case Op.Incr:
        if (reply === Replies.NOT_FOUND) c.incr_misses++;
        else if (reply[0] >= 0x30 && reply[0] <= 0x39) c.incr_hits++;
        break;
      case Op.Decr:
        if (reply === Replies.NOT_FOUND) c.decr_misses++;
        else if (reply[0] >= 0x30 && reply[0] <= 0x39) c.decr_hits++;
        break;
      case Op.Touch:
        c.cmd_touch++;
        if (reply === Replies.TOUCHED) c.touch_hits++;
        else if (reply === Replies.NOT_FOUND) c.touch_misses++;
        break;
      default:
        if (reply === Replies.OUT_OF_MEMORY) c.store_no_memory++;
    }
  }

  // ---- reads (process_get_command) ----

  private get(buf: Buffer, start: number, end: number, withCas: boolean, touch: boolean): void {
    const t = this.tokens;
    let first = 1;
    let exptime = 0;
    if (touch) {
      const parsed = parseInt32(buf, t.start[1], t.end[1]);
      if (parsed === null) return this.reply(Replies.INVALID_EXPTIME);
      exptime = absoluteExptime(parsed, this.now);
      first = 2;
    }
    // A read waits for this connection's earlier writes (read-your-writes with async backends).
    if (this.replies.pending > 0) return this.defer(buf, start, end);
    if (this.backend.beforeRead !== undefined) {
      const gate = this.gateReads(first);
      t.split(buf, start, end);
      if (gate !== undefined) {
        if (Buffer.isBuffer(gate)) return this.reply(gate);
        this.defer(buf, start, end);
        gate.then(
          () => this.onReplySettled(),
          () => this.onReplySettled(),
        );
        return;
      }
    }
    const store = this.backend.store;
    const counters = this.engine.counters;
    let touches: Promise<Buffer>[] | null = null;
    for (;;) {
      for (let i = first; i < t.count; i++) {
        const keyStart = t.start[i];
        const keyEnd = t.end[i];
        if (keyEnd - keyStart > MAX_KEY_LENGTH) {
          // memcached drops the replies it has not sent yet, this get's included.
          this.replies.discardUncommitted();
          return this.reply(Replies.BAD_FORMAT);
        }
        const key = t.buf.subarray(keyStart, keyEnd);
        const handle = store.lookup(key, this.now);
        if (touch) counters.cmd_touch++;
        else counters.cmd_get++;
        if (handle < 0) {
          if (touch) counters.touch_misses++;
          else counters.get_misses++;
          continue;
        }
        if (touch) counters.touch_hits++;
        else counters.get_hits++;
        this.writeValue(t.buf, keyStart, keyEnd, handle, withCas);
        if (touch) {
          const pending = this.touchAfterRead(t.view(i), exptime);
          if (pending !== null) (touches ??= []).push(pending);
        }
      }
      if (t.rest < 0) break;
      t.splitFrom(t.rest);
      first = 0;
    }
    this.replies.write(Replies.END);
    if (touches !== null) this.replies.writeLater(Promise.all(touches).then(() => Replies.NONE), () => Replies.NONE);
    this.replies.commit();
  }

  /** VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n, copied into the reply queue. */
  private writeValue(line: Uint8Array, keyStart: number, keyEnd: number, handle: number, withCas: boolean): void {
    const store = this.backend.store;
    const value = store.value(handle);
    const flags = store.flags(handle);
    const cas = withCas ? store.cas(handle) : 0;
    const keyLength = keyEnd - keyStart;
    const size =
      6 + keyLength + 1 + decimalLength(flags) + 1 + decimalLength(value.length) + (withCas ? 1 + decimalLength(cas) : 0) + 2 + value.length + 2;
    const out = this.replies.reserve(size);
    let p = this.replies.reservedAt;
    out.set(VALUE_PREFIX, p);
    p += 6;
    for (let i = keyStart; i < keyEnd; i++) out[p++] = line[i];
    out[p++] = 0x20;
    p = writeDecimal(out, p, flags);
    out[p++] = 0x20;
    p = writeDecimal(out, p, value.length);
    if (withCas) {
      out[p++] = 0x20;
      p = writeDecimal(out, p, cas);
    }
    out.set(CRLF, p);
    p += 2;
    out.set(value, p);
    p += value.length;
    out.set(CRLF, p);
    this.replies.advance(size);
  }

  /** gat/gats: the touch goes through the backend like any write; returns its Promise if any. */
  private touchAfterRead(key: Buffer, exptime: number): Promise<Buffer> | null {
    const result = this.backend.execute(this.mutationFor(Op.Touch, key, exptime, true));
    return Buffer.isBuffer(result) ? null : result;
  }

  /** Asks the backend's read gate about every key of a get; tokens are consumed (re-split after). */
  private gateReads(first: number): Buffer | Promise<void> | undefined {
    const t = this.tokens;
    const waits: Promise<void>[] = [];
    for (;;) {
      for (let i = first; i < t.count; i++) {
        if (t.length(i) > MAX_KEY_LENGTH) continue;
        const gate = this.backend.beforeRead!(t.view(i));
        if (gate === undefined) continue;
        if (Buffer.isBuffer(gate)) return gate;
        waits.push(gate);
      }
      if (t.rest < 0) break;
      t.splitFrom(t.rest);
      first = 0;
    }
    if (waits.length === 0) return undefined;
    return Promise.all(waits).then(() => undefined);
  }

  /** Runs this line again once earlier replies (or a read gate) settled; input waits meanwhile. */
  private defer(buf: Buffer, start: number, end: number): void {
    if (this.engine.lendsInput) {
      buf = Buffer.from(buf.subarray(start, end));
      start = 0;
      end = buf.length;
    }
    this.deferredLine = buf;
    this.deferredStart = start;
    this.deferredEnd = end;
    this.parser.pause();
    this.transport.pauseInput();
  }

  // ---- the rest ----

  private stats(): void {
    const t = this.tokens;
    if (t.count === 1) return this.reply(this.engine.stats(this.now));
    if (t.is(1, W.reset)) {
      this.engine.counters.reset();
      return this.reply(Replies.RESET);
    }
    if (t.is(1, W.detail)) {
      if (t.count < 3) return this.reply(Replies.STATS_DETAIL_USAGE);
      if (t.is(2, W.on) || t.is(2, W.off)) return this.reply(Replies.OK);
      if (t.is(2, W.dump)) return this.reply(Replies.END);
      return this.reply(Replies.STATS_DETAIL_USAGE);
    }
    if (t.is(1, W.settings)) return this.reply(this.engine.settingsStats());
    if (t.is(1, W.items) || t.is(1, W.slabs) || t.is(1, W.sizes) || t.is(1, W.conns)) return this.reply(Replies.END);
    this.reply(Replies.ERROR);
  }

  private verbosity(count: number): void {
    if (count !== 2 && count !== 3) return this.reply(Replies.ERROR);
    this.checkNoreply();
    const t = this.tokens;
    if (parseUint32(t.buf, t.start[1], t.end[1]) === null) return this.reply(Replies.BAD_FORMAT);
    this.reply(Replies.OK);
  }

  private quit(): void {
    this.replies.commit();
    this.parser.close();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
