import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { RoutingShape } from "../../systems/routing/router.ts";
import type { ProcessInfo } from "../deploy/types.ts";
import { Backend, BackendError, type BackendTarget, type Reply, type ReplyShape } from "./backend.ts";
import { RequestParser, type Request } from "./request-parser.ts";
import { RouteTable } from "./route-table.ts";

/**
 * Called when a process could not be reached; may update the table (e.g. from the state file or
 * from the group's `view`). The proxy then retries the request once.
 */
export type Refresher = (failed: BackendTarget, table: RouteTable) => Promise<void>;

export interface ProxyOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  shape: RoutingShape;
  processes: readonly ProcessInfo[];
  refresh?: Refresher;
  /** A process that answers nothing for this long is treated as unreachable. */
  timeoutMs?: number;
}

export interface RunningProxy {
  host: string;
  port: number;
  table: RouteTable;
  close(): Promise<void>;
}

const REFRESH_INTERVAL_MS = 1000;

/** stats fields that describe one process rather than add up over the cluster. */
const NON_ADDITIVE_STATS = new Set(["pid", "uptime", "time", "version", "libevent", "pointer_size", "threads", "limit_maxbytes_per_process", "max_connections"]);

/**
 * Serves the memcached text protocol on one port and routes each key to the process that owns it
 * (like mcrouter). Replies go back in request order, so pipelining clients work unchanged.
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const table = new RouteTable(options.shape, options.processes);
  const router = new Router(table, options.refresh, options.timeoutMs);
  const clients = new Set<Socket>();
  const server: Server = createServer((socket) => {
    clients.add(socket);
    socket.on("close", () => clients.delete(socket));
    serveClient(socket, router);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(new Error(`proxy: cannot listen on ${host}:${options.port}: ${error.code ?? error.message}`)));
    server.listen(options.port, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    table,
    async close() {
      for (const socket of clients) socket.destroy();
      router.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Slot {
  done: boolean;
  data: Buffer;
  close: boolean;
}

function serveClient(socket: Socket, router: Router): void {
  socket.setNoDelay(true);
  const parser = new RequestParser();
  const slots: Slot[] = [];
  let closing = false;
  const flush = () => {
    while (slots.length > 0 && slots[0].done) {
      const slot = slots.shift()!;
      if (slot.data.length > 0 && !socket.destroyed) socket.write(slot.data);
      if (slot.close) {
        socket.end();
        return;
      }
    }
  };
  socket.on("data", (chunk: Buffer) => {
    if (closing) return;
    for (const request of parser.feed(chunk)) {
      const slot: Slot = { done: false, data: Buffer.alloc(0), close: request.kind === "quit" || (request.kind === "local" && request.close === true) };
      slots.push(slot);
      router.answer(request).then(
        (data) => {
          slot.data = data;
          slot.done = true;
          flush();
        },
        (error: Error) => {
          slot.data = Buffer.from(`SERVER_ERROR proxy: ${error.message.replace(/[\r\n]+/g, " ")}\r\n`);
          slot.done = true;
          flush();
        },
      );
      if (slot.close) {
        closing = true;
        break;
      }
    }
  });
  socket.on("error", () => socket.destroy());
}

/** Turns requests into backend traffic and assembles the client's reply. */
class Router {
  private readonly backends = new Map<string, Backend>();
  private refreshing: Promise<void> | undefined;
  private readonly lastRefresh = new Map<string, number>();

  constructor(
    private readonly table: RouteTable,
    private readonly refresh: Refresher | undefined,
    private readonly timeoutMs: number | undefined,
  ) {}

  async answer(request: Request): Promise<Buffer> {
    switch (request.kind) {
      case "local":
        return Buffer.from(request.reply, "latin1");
      case "quit":
        return Buffer.alloc(0);
      case "keyed": {
        const head = Buffer.from(`${request.line}\r\n`, "latin1");
        const reply = await this.send(this.table.routeOf(request.key), request.data ? Buffer.concat([head, request.data]) : head, "line");
        return request.noreply ? Buffer.alloc(0) : reply.raw;
      }
      case "retrieval":
        return this.retrieve(request.head, request.keys);
      case "broadcast": {
        const replies = await this.toAll(`${request.line}\r\n`, "line");
        if (request.noreply) return Buffer.alloc(0);
        return replies.find((r) => r.raw.toString("latin1") !== "OK\r\n")?.raw ?? Buffer.from("OK\r\n");
      }
      case "stats":
        return aggregateStats(await this.toAll(`${request.line}\r\n`, "lines"));
      case "version":
        return (await this.sendTo(this.table.allOwners()[0], Buffer.from("version\r\n"), "line")).raw;
    }
  }

  close(): void {
    for (const backend of this.backends.values()) backend.close();
    this.backends.clear();
  }

  /** get/gets across owners: one sub-request per route, values put back in the client's key order. */
  private async retrieve(head: string, keys: Buffer[]): Promise<Buffer> {
    const routes = keys.map((key) => this.table.routeOf(key));
    const keysByRoute = new Map<string, Buffer[]>();
    routes.forEach((r, i) => {
      const list = keysByRoute.get(r);
      if (list) list.push(keys[i]);
      else keysByRoute.set(r, [keys[i]]);
    });
    const routeKeys = [...keysByRoute.keys()];
    const replies = await Promise.all(
      routeKeys.map((r) => {
        const line = Buffer.concat([Buffer.from(`${head} `, "latin1"), ...joinWithSpaces(keysByRoute.get(r)!), Buffer.from("\r\n")]);
        return this.send(r, line, "values");
      }),
    );
    if (replies.length === 1) return replies[0].raw;
    const failure = replies.find((r) => r.kind === "line");
    if (failure) return failure.raw;
    const nextBlock = new Map<string, { blocks: Reply & { kind: "values" }; at: number }>();
    routeKeys.forEach((r, i) => nextBlock.set(r, { blocks: replies[i] as Reply & { kind: "values" }, at: 0 }));
    const out: Buffer[] = [];
    keys.forEach((key, i) => {
      const cursor = nextBlock.get(routes[i])!;
      const block = cursor.blocks.blocks[cursor.at];
      if (block && block.key === key.toString("latin1")) {
        out.push(block.bytes);
        cursor.at++;
      }
    });
    out.push(Buffer.from("END\r\n"));
    return Buffer.concat(out);
  }

  private async toAll(line: string, shape: ReplyShape): Promise<Reply[]> {
    const bytes = Buffer.from(line, "latin1");
    return Promise.all(this.table.allOwners().map((target) => this.sendTo(target, bytes, shape)));
  }

  /**
   * Sends to the owner of a route; if it cannot be reached or says it no longer owns the key,
   * refreshes the view and tries once more.
   */
  private async send(routeKey: string, bytes: Buffer, shape: ReplyShape): Promise<Reply> {
    const target = this.table.ownerOf(routeKey);
    try {
      const reply = await this.backend(target).request(bytes, shape);
      if (!this.refresh || !isNotOwner(reply)) return reply;
    } catch (error) {
      if (!(error instanceof BackendError) || !this.refresh) throw error;
    }
    await this.refreshOnce(target);
    return this.backend(this.table.ownerOf(routeKey)).request(bytes, shape);
  }

  private sendTo(target: BackendTarget, bytes: Buffer, shape: ReplyShape): Promise<Reply> {
    return this.backend(target).request(bytes, shape);
  }

  /**
   * Concurrent failures share one refresh, and a target refreshed less than a second ago is not
   * refreshed again (while a group has no owner for a key, clients get quick errors, not a wait each).
   */
  private refreshOnce(failed: BackendTarget): Promise<void> {
    const key = `${failed.host}:${failed.port}`;
    if (!this.refreshing && Date.now() - (this.lastRefresh.get(key) ?? 0) < REFRESH_INTERVAL_MS) return Promise.resolve();
    if (!this.refreshing) {
      this.refreshing = this.refresh!(failed, this.table).finally(() => {
        this.lastRefresh.set(key, Date.now());
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private backend(target: BackendTarget): Backend {
    const key = `${target.host}:${target.port}`;
    let backend = this.backends.get(key);
    if (!backend) {
      backend = new Backend(target, this.timeoutMs);
      this.backends.set(key, backend);
    }
    return backend;
  }
}

/** What a pbr member that is not the primary, or a cocytus member that does not serve the key, answers. */
const NOT_OWNER = /^SERVER_ERROR not (primary|the owner)/;

function isNotOwner(reply: Reply): boolean {
  return reply.kind === "line" && NOT_OWNER.test(reply.raw.toString("latin1", 0, 40));
}

function joinWithSpaces(keys: Buffer[]): Buffer[] {
  const space = Buffer.from(" ");
  return keys.flatMap((key, i) => (i === 0 ? [key] : [space, key]));
}

/** Sums integer stats over processes (the cluster's totals); other fields come from the first process. */
function aggregateStats(replies: Reply[]): Buffer {
  const failure = replies.find((r) => !r.raw.toString("latin1").endsWith("END\r\n"));
  if (failure) return failure.raw;
  const order: string[] = [];
  const values = new Map<string, string>();
  for (const reply of replies) {
    for (const line of reply.raw.toString("latin1").split("\r\n")) {
      const match = /^STAT (\S+) (.*)$/.exec(line);
      if (!match) continue;
      const [, name, value] = match;
      const previous = values.get(name);
      if (previous === undefined) {
        order.push(name);
        values.set(name, value);
      } else if (!NON_ADDITIVE_STATS.has(name) && /^\d+$/.test(previous) && /^\d+$/.test(value)) {
        values.set(name, String(BigInt(previous) + BigInt(value)));
      }
    }
  }
  return Buffer.from(order.map((name) => `STAT ${name} ${values.get(name)}\r\n`).join("") + "END\r\n", "latin1");
}
