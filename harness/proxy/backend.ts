import { Socket } from "node:net";

/** What a reply looks like, so the reader knows where it ends. */
export type ReplyShape =
  /** One line: STORED, DELETED, a number, VERSION …, OK, errors. */
  | "line"
  /** get/gets: VALUE blocks then END (or one error line). */
  | "values"
  /** stats: STAT lines then END (or one error line). */
  | "lines";

export interface ValueBlock {
  /** The key as latin1 text (one char per byte). */
  key: string;
  /** The whole block: VALUE line, data and its CRLF. */
  bytes: Buffer;
}

export type Reply = { kind: "values"; blocks: ValueBlock[]; raw: Buffer } | { kind: "line"; raw: Buffer };

export interface BackendTarget {
  id: string;
  host: string;
  port: number;
}

/** Why a request to a process failed before a reply came back. */
export class BackendError extends Error {
  constructor(
    readonly target: BackendTarget,
    readonly reason: string,
  ) {
    super(`process ${target.id} at ${target.host}:${target.port}: ${reason}`);
  }
}

interface Pending {
  shape: ReplyShape;
  resolve(reply: Reply): void;
  reject(error: BackendError): void;
  blocks: ValueBlock[];
}

const END = "END";

/**
 * One pipelined connection to a server process. Requests go out in order and replies are matched
 * to them in order (memcached answers in order on a connection). A broken or silent connection
 * fails every request in flight, and the next request opens a fresh one.
 */
export class Backend {
  private socket: Socket | undefined;
  private readonly inFlight: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private parsed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly target: BackendTarget,
    private readonly timeoutMs = 10_000,
  ) {}

  request(bytes: Buffer, shape: ReplyShape): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const socket = this.connected();
      this.inFlight.push({ shape, resolve, reject, blocks: [] });
      socket.write(bytes);
      this.armTimer();
    });
  }

  close(): void {
    this.fail("proxy closed the connection");
  }

  private connected(): Socket {
    if (this.socket) return this.socket;
    const socket = new Socket();
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => this.fail(error.code ?? error.message, socket));
    socket.on("close", () => this.fail("connection closed", socket));
    socket.connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.parsed = 0;
    return socket;
  }

  /** The head request must see progress within timeoutMs, else the connection is given up (a stopped process). */
  private armTimer(): void {
    if (this.timer || this.inFlight.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fail(`no reply within ${this.timeoutMs} ms`);
    }, this.timeoutMs);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.length > 0) {
      const head = this.inFlight[0];
      const done = this.parseInto(head);
      if (!done) break;
    }
    if (this.parsed > 0) {
      this.buffer = this.buffer.subarray(this.parsed);
      this.parsed = 0;
    }
    this.armTimer();
  }

  /** Reads as much of the head request's reply as has arrived; true once it is complete. */
  private parseInto(head: Pending): boolean {
    for (;;) {
      const newline = this.buffer.indexOf(10, this.parsed);
      if (newline < 0) return false;
      const line = this.buffer.toString("latin1", this.parsed, newline + 1);
      const isError = line.startsWith("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR");
      if (head.shape === "line" || isError) {
        const raw = Buffer.from(this.buffer.subarray(this.parsed, newline + 1));
        this.parsed = newline + 1;
        this.finish(head, { kind: "line", raw });
        return true;
      }
      if (head.shape === "values" && line.startsWith("VALUE ")) {
        const fields = line.trimEnd().split(" ");
        const length = Number(fields[3]);
        const end = newline + 1 + length + 2;
        if (this.buffer.length < end) return false;
        head.blocks.push({ key: fields[1], bytes: Buffer.from(this.buffer.subarray(this.parsed, end)) });
        this.parsed = end;
        continue;
      }
      this.parsed = newline + 1;
      if (line.startsWith(END) && line.trimEnd() === END) {
        const blocksBytes = head.blocks.map((b) => b.bytes);
        if (head.shape === "values") this.finish(head, { kind: "values", blocks: head.blocks, raw: Buffer.concat([...blocksBytes, Buffer.from("END\r\n")]) });
        else this.finish(head, { kind: "line", raw: Buffer.concat([...blocksBytes, Buffer.from("END\r\n")]) });
        return true;
      }
      // A STAT line (or anything else in a multi-line reply) is kept verbatim.
      head.blocks.push({ key: "", bytes: Buffer.from(line, "latin1") });
    }
  }

  private finish(head: Pending, reply: Reply): void {
    this.inFlight.shift();
    head.resolve(reply);
  }

  private fail(reason: string, socket: Socket | undefined = this.socket): void {
    if (socket !== this.socket) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    const failed = this.inFlight.splice(0);
    for (const pending of failed) pending.reject(new BackendError(this.target, reason));
  }
}
