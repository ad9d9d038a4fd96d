import { connect, type Socket } from "node:net";

/** What the server answered to one request (or why there is no answer). */
export type Reply =
  | "stored"
  | "not-stored"
  | "exists"
  | "not-found"
  | "deleted"
  | "hit"
  | "miss"
  | "line"
  /** ERROR, CLIENT_ERROR, SERVER_ERROR, a timeout, a closed or refused connection. */
  | "error";

/**
 * Receives the reply to one request, synchronously while the reply bytes are parsed: for "hit" the
 * value is data[start, end); for "line" (a raw command) the reply line; for "error" a message.
 */
export interface ReplyHandler {
  onReply(reply: Reply, data: Buffer | null, start: number, end: number, error: string | null): void;
}

export interface ConnectionOptions {
  /** A request unanswered for this long fails, with every request behind it, and the connection is reset. */
  timeoutMs: number;
  /** First wait before reconnecting after a failure; doubles up to 1 s. */
  reconnectDelayMs?: number;
}

const KIND_GET = 0;
const KIND_STORE = 1;
const KIND_DELETE = 2;
const KIND_LINE = 3;
const KIND_NAMES = ["get", "store", "delete", "command"];

const LF = 10;
const CR = 13;
const OUT_CHUNK = 256 * 1024;
const MAX_RECONNECT_DELAY_MS = 1000;

const GET_PREFIX = Buffer.from("get ");
const DELETE_PREFIX = Buffer.from("delete ");
const STORE_FLAGS = Buffer.from(" 0 0 ");
const CRLF = Buffer.from("\r\n");

type State = "idle" | "connecting" | "open" | "down" | "closed";

/**
 * One TCP connection speaking memcached's text protocol, with pipelining: requests are written in
 * batches (everything issued in one turn of the event loop goes out in one write) and any number may
 * be in flight; replies are matched to requests in order. A request never hangs: it is answered, or
 * fails on timeout, on a closed connection, or at once while the server is unreachable. After a
 * failure the connection reconnects on the next request, with backoff.
 */
export class MemcachedConnection {
  private state: State = "idle";
  private socket: Socket | null = null;
  private lastError = "";
  private retryAt = 0;
  private reconnectDelayMs: number;
  private readonly timer: NodeJS.Timeout;

  // Requests in flight, a ring buffer in issue order.
  private kinds = new Uint8Array(64);
  private handlers: (ReplyHandler | null)[] = new Array(64).fill(null);
  private issuedAt = new Float64Array(64);
  private head = 0;
  private count = 0;

  // Outgoing bytes: [outStart, outEnd) of `out` are written on the next flush.
  private out = Buffer.allocUnsafe(OUT_CHUNK);
  private outStart = 0;
  private outEnd = 0;
  private flushScheduled = false;

  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  // Incoming bytes that do not yet hold a whole reply, and how many bytes from their start are needed.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 0;

  // Failures to deliver outside the caller's stack (a request refused while the server is down).
  private refused: ReplyHandler[] = [];
  private refusedScheduled = false;

  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly options: ConnectionOptions,
  ) {
    this.reconnectDelayMs = options.reconnectDelayMs ?? 50;
    this.timer = setInterval(() => this.checkTimeouts(), Math.max(5, Math.floor(options.timeoutMs / 4)));
    this.timer.unref();
  }

  /** Number of requests written or queued and not yet answered. */
  get inFlight(): number {
    return this.count;
  }

  get name(): string {
    return `${this.host}:${this.port}`;
  }

  /** Opens the connection now (otherwise the first request opens it); resolves when it is open. */
  async open(): Promise<void> {
    if (this.state === "open") return;
    if (this.state !== "connecting") this.startConnect();
    await new Promise<void>((resolve, reject) => {
      const socket = this.socket!;
      const onConnect = () => {
        socket.off("error", onError);
        resolve();
      };
      const onError = (error: Error) => {
        socket.off("connect", onConnect);
        reject(new Error(`cannot connect to memcached at ${this.name}: ${error.message}`));
      };
      socket.once("connect", onConnect);
      socket.once("error", onError);
    });
  }

  /** `get <key>`: replies "hit" (with the value), "miss" or "error". */
  get(key: Buffer, keyStart: number, keyEnd: number, handler: ReplyHandler): void {
    this.keyCommand(GET_PREFIX, KIND_GET, key, keyStart, keyEnd, handler);
  }

  /**
   * `<command> <key> 0 0 <bytes>` with the value value[valueStart, valueEnd); command is set, add,
   * replace, append or prepend. Replies "stored", "not-stored", "exists", "not-found" or "error".
   */
  store(command: Buffer, key: Buffer, keyStart: number, keyEnd: number, value: Buffer, valueStart: number, valueEnd: number, handler: ReplyHandler): void {
    if (!this.admit(handler)) return;
    const length = valueEnd - valueStart;
    this.reserve(command.length + 1 + (keyEnd - keyStart) + STORE_FLAGS.length + 10 + 2 + length + 2);
    this.append(command, 0, command.length);
    this.out[this.outEnd++] = 0x20;
    this.append(key, keyStart, keyEnd);
    this.append(STORE_FLAGS, 0, STORE_FLAGS.length);
    this.appendDecimal(length);
    this.append(CRLF, 0, 2);
    this.append(value, valueStart, valueEnd);
    this.append(CRLF, 0, 2);
    this.enqueue(KIND_STORE, handler);
  }

  /** `delete <key>`: replies "deleted", "not-found" or "error". */
  delete(key: Buffer, keyStart: number, keyEnd: number, handler: ReplyHandler): void {
    this.keyCommand(DELETE_PREFIX, KIND_DELETE, key, keyStart, keyEnd, handler);
  }

  /** A command whose reply is one line (`version`, `flush_all`, `verbosity 1`): replies "line". */
  command(line: string, handler: ReplyHandler): void {
    if (!this.admit(handler)) return;
    const bytes = Buffer.from(`${line}\r\n`, "latin1");
    this.reserve(bytes.length);
    this.append(bytes, 0, bytes.length);
    this.enqueue(KIND_LINE, handler);
  }

  /**
   * Waits up to `graceMs` for requests in flight to be answered, then fails the rest and closes.
   * The connection cannot be used afterwards.
   */
  async close(graceMs = this.options.timeoutMs): Promise<void> {
    if (this.state === "closed") return;
    if (this.count > 0 && this.state !== "down") {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drainWaiters.push(resolve);
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
    }
    this.state = "closed";
    clearInterval(this.timer);
    this.failAll(`connection to ${this.name} closed by the client`);
    const socket = this.socket;
    this.socket = null;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once("close", () => resolve());
        socket.destroy();
      });
    }
  }

  // ---- issuing ----

  /** `<prefix><key>\r\n`, for commands whose only argument is the key. */
  private keyCommand(prefix: Buffer, kind: number, key: Buffer, keyStart: number, keyEnd: number, handler: ReplyHandler): void {
    if (!this.admit(handler)) return;
    this.reserve(prefix.length + (keyEnd - keyStart) + 2);
    this.append(prefix, 0, prefix.length);
    this.append(key, keyStart, keyEnd);
    this.append(CRLF, 0, 2);
    this.enqueue(kind, handler);
  }

  /** False (and the handler is failed, asynchronously) when the request cannot be sent now. */
  private admit(handler: ReplyHandler): boolean {
    if (this.state === "open" || this.state === "connecting") return true;
    if (this.state === "closed") {
      this.refuse(handler, `connection to ${this.name} is closed`);
      return false;
    }
    if (this.state === "down" && performance.now() < this.retryAt) {
      this.refuse(handler, `memcached at ${this.name} is unreachable: ${this.lastError}`);
      return false;
    }
    this.startConnect();
    return true;
  }

  private refuse(handler: ReplyHandler, message: string): void {
    this.refused.push(handler);
    this.lastRefusal = message;
    if (this.refusedScheduled) return;
    this.refusedScheduled = true;
    setImmediate(() => {
      this.refusedScheduled = false;
      const handlers = this.refused;
      const reason = this.lastRefusal;
      this.refused = [];
      for (const h of handlers) h.onReply("error", null, 0, 0, reason);
    });
  }
  private lastRefusal = "";

  private startConnect(): void {
    this.state = "connecting";
    this.outStart = this.outEnd = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.need = 0;
    // Reads land in one buffer per connection (no allocation per read); parse() copies what it keeps.
    const onread = {
      buffer: this.readBuffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        if (this.socket === socket) this.onData(buf as Buffer, n);
        return true;
      },
    };
    const socket = connect({ host: this.host, port: this.port, noDelay: true, onread });
    this.socket = socket;
    socket.on("connect", () => {
      if (this.socket !== socket) return;
      this.state = "open";
      this.reconnectDelayMs = this.options.reconnectDelayMs ?? 50;
      this.flush();
    });
    socket.on("error", (error: Error) => {
      if (this.socket === socket) this.down(`${error.message}`);
    });
    socket.on("close", () => {
      if (this.socket === socket) this.down(`connection to ${this.name} closed by the server`);
    });
  }

  /** Marks the connection failed: every request in flight fails, and reconnecting waits a while. */
  private down(reason: string): void {
    if (this.state === "closed") return;
    const inFlight = this.count;
    this.lastError = reason;
    this.state = "down";
    this.retryAt = performance.now() + this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(MAX_RECONNECT_DELAY_MS, this.reconnectDelayMs * 2);
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.failAll(inFlight > 0 ? `${reason} (${inFlight} requests in flight)` : reason);
  }

  private reserve(bytes: number): void {
    if (this.out.length - this.outEnd >= bytes) return;
    const unsent = this.outEnd - this.outStart;
    const next = Buffer.allocUnsafe(Math.max(OUT_CHUNK, unsent + bytes));
    this.out.copy(next, 0, this.outStart, this.outEnd);
    this.out = next;
    this.outStart = 0;
    this.outEnd = unsent;
  }

  private append(bytes: Buffer, start: number, end: number): void {
    this.outEnd += bytes.copy(this.out, this.outEnd, start, end);
  }

  private appendDecimal(n: number): void {
    if (n < 10) {
      this.out[this.outEnd++] = 0x30 + n;
      return;
    }
    this.outEnd += this.out.write(String(n), this.outEnd, "latin1");
  }

  private enqueue(kind: number, handler: ReplyHandler): void {
    if (this.count === this.kinds.length) this.grow();
    const at = (this.head + this.count) & (this.kinds.length - 1);
    this.kinds[at] = kind;
    this.handlers[at] = handler;
    this.issuedAt[at] = performance.now();
    this.count++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.state !== "open" || this.outEnd === this.outStart || !this.socket) return;
    // The socket keeps this slice until written; later requests go after it in the same buffer.
    this.socket.write(this.out.subarray(this.outStart, this.outEnd));
    this.outStart = this.outEnd;
    if (this.out.length - this.outEnd < 1024) {
      this.out = Buffer.allocUnsafe(OUT_CHUNK);
      this.outStart = this.outEnd = 0;
    }
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const kinds = new Uint8Array(size);
    const handlers: (ReplyHandler | null)[] = new Array(size).fill(null);
    const issuedAt = new Float64Array(size);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) & (this.kinds.length - 1);
      kinds[i] = this.kinds[from];
      handlers[i] = this.handlers[from];
      issuedAt[i] = this.issuedAt[from];
    }
    this.kinds = kinds;
    this.handlers = handlers;
    this.issuedAt = issuedAt;
    this.head = 0;
  }

  // ---- replies ----

  private complete(reply: Reply, data: Buffer | null, start: number, end: number, error: string | null): void {
    const at = this.head;
    const handler = this.handlers[at]!;
    this.handlers[at] = null;
    this.head = (at + 1) & (this.kinds.length - 1);
    this.count--;
    handler.onReply(reply, data, start, end, error);
    if (this.count === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  private failAll(message: string): void {
    while (this.count > 0) this.complete("error", null, 0, 0, message);
  }

  private checkTimeouts(): void {
    if (this.count === 0) return;
    const age = performance.now() - this.issuedAt[this.head];
    if (age > this.options.timeoutMs) {
      this.down(`no reply from ${this.name} within ${this.options.timeoutMs} ms`);
      // A timeout says nothing about the next attempt: retry soon rather than back off.
      this.retryAt = performance.now();
    }
  }

  /** Bytes readBuffer[0, n) arrived; the buffer is reused for the next read, so kept bytes are copied. */
  private onData(readBuffer: Buffer, n: number): void {
    let buf = readBuffer.subarray(0, n);
    if (this.pendingBytes > 0) {
      this.pending.push(Buffer.from(buf));
      this.pendingBytes += n;
      if (this.pendingBytes < this.need) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const used = this.parse(buf);
    if (used < buf.length && this.state === "open") {
      this.pending = [Buffer.from(buf.subarray(used))];
      this.pendingBytes = buf.length - used;
    }
  }

  /** Parses whole replies from buf; returns how many bytes were used and sets `need` for the rest. */
  private parse(buf: Buffer): number {
    let pos = 0;
    const length = buf.length;
    while (pos < length) {
      if (this.count === 0) {
        this.protocolError(`unexpected bytes with no request in flight: ${preview(buf, pos)}`);
        return length;
      }
      const eol = buf.indexOf(LF, pos);
      if (eol < 0) {
        this.need = length - pos + 1;
        return pos;
      }
      const lineEnd = eol > pos && buf[eol - 1] === CR ? eol - 1 : eol;
      const kind = this.kinds[this.head];
      const first = buf[pos];
      if (kind === KIND_GET && first === 0x56 /* V */ && startsWith(buf, pos, lineEnd, "VALUE ")) {
        const bytes = lastNumber(buf, pos, lineEnd);
        if (bytes < 0) {
          this.protocolError(`bad VALUE line ${preview(buf, pos)}`);
          return length;
        }
        const dataStart = eol + 1;
        const dataEnd = dataStart + bytes;
        const replyEnd = dataEnd + 7; // "\r\nEND\r\n"
        if (replyEnd > length) {
          this.need = replyEnd - pos;
          return pos;
        }
        if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF || !startsWith(buf, dataEnd + 2, dataEnd + 5, "END") || buf[dataEnd + 5] !== CR || buf[dataEnd + 6] !== LF) {
          this.protocolError(`expected END after a ${bytes}-byte value, found ${preview(buf, dataEnd)}`);
          return length;
        }
        this.complete("hit", buf, dataStart, dataEnd, null);
        pos = replyEnd;
        continue;
      }
      const reply = classify(kind, buf, pos, lineEnd);
      if (reply === null) {
        this.protocolError(`expected a reply to ${KIND_NAMES[kind]}, found ${preview(buf, pos)}`);
        return length;
      }
      if (reply === "error") this.complete("error", null, 0, 0, `${this.name} answered ${buf.toString("latin1", pos, lineEnd)}`);
      else this.complete(reply, buf, pos, lineEnd, null);
      pos = eol + 1;
    }
    return pos;
  }

  private protocolError(message: string): void {
    this.down(`protocol error from ${this.name}: ${message}`);
  }
}

/** The reply a one-line answer stands for, given the kind of request it answers; null if it fits none. */
function classify(kind: number, buf: Buffer, pos: number, lineEnd: number): Reply | null {
  if (kind === KIND_LINE) return "line";
  const n = lineEnd - pos;
  switch (buf[pos]) {
    case 0x45 /* E */:
      if (n === 3 && kind === KIND_GET && startsWith(buf, pos, lineEnd, "END")) return "miss";
      if (n === 6 && kind === KIND_STORE && startsWith(buf, pos, lineEnd, "EXISTS")) return "exists";
      if (startsWith(buf, pos, lineEnd, "ERROR")) return "error";
      return null;
    case 0x53 /* S */:
      if (n === 6 && kind === KIND_STORE && startsWith(buf, pos, lineEnd, "STORED")) return "stored";
      if (startsWith(buf, pos, lineEnd, "SERVER_ERROR")) return "error";
      return null;
    case 0x4e /* N */:
      if (n === 10 && kind === KIND_STORE && startsWith(buf, pos, lineEnd, "NOT_STORED")) return "not-stored";
      if (n === 9 && kind !== KIND_GET && startsWith(buf, pos, lineEnd, "NOT_FOUND")) return "not-found";
      return null;
    case 0x44 /* D */:
      if (n === 7 && kind === KIND_DELETE && startsWith(buf, pos, lineEnd, "DELETED")) return "deleted";
      return null;
    case 0x43 /* C */:
      if (startsWith(buf, pos, lineEnd, "CLIENT_ERROR")) return "error";
      return null;
    default:
      return null;
  }
}

function startsWith(buf: Buffer, pos: number, end: number, word: string): boolean {
  if (end - pos < word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[pos + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** The decimal number at the end of a line (the byte count of `VALUE <key> <flags> <bytes>`); -1 if none. */
function lastNumber(buf: Buffer, pos: number, lineEnd: number): number {
  let i = lineEnd;
  while (i > pos && buf[i - 1] >= 0x30 && buf[i - 1] <= 0x39) i--;
  if (i === lineEnd || i === pos || buf[i - 1] !== 0x20) return -1;
  let n = 0;
  for (let j = i; j < lineEnd; j++) n = n * 10 + (buf[j] - 0x30);
  return n;
}

function preview(buf: Buffer, pos: number): string {
  return JSON.stringify(buf.toString("latin1", pos, Math.min(buf.length, pos + 40)));
}
