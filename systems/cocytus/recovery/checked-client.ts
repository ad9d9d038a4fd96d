/**
 * A checking client of one Cocytus group, for the recovery tests and benchmark: it routes each
 * key to the member that serves its data index (following `view` after failures), writes values
 * that carry their key, version and checksum, and keeps a model of what each key may hold:
 * the last acknowledged version, plus the versions of writes whose outcome it never learned
 * (failed or timed out: they may or may not have happened). A read must return one of those,
 * with a valid checksum; anything else is a violation. At most one request per key is in flight.
 */
import { createHash } from "node:crypto";
import { MemcachedConnection, type Reply, type ReplyHandler } from "../../../workloads/src/binding/memcached-connection.ts";
import { route } from "../../routing/router.ts";
import { askCocytusView, ownerAddress, type CocytusView } from "./view.ts";

const SET = Buffer.from("set");

/** A value: `<key>|<version>|<filler>|<sha1 of what precedes, 16 hex>`, exactly `size` bytes (size ≥ 64). */
export function checkedValue(key: string, version: number, size: number): Buffer {
  const head = `${key}|${version}|`;
  const fillLength = Math.max(0, size - head.length - 18);
  const fill = Buffer.alloc(fillLength, String.fromCharCode(97 + (version % 26)));
  const body = Buffer.concat([Buffer.from(head, "latin1"), fill, Buffer.from("|")]);
  return Buffer.concat([body, Buffer.from(createHash("sha1").update(body).digest("hex").slice(0, 16), "latin1")]);
}

/** The version a value claims, or an explanation of why it is not a value this key was ever given. */
export function parseCheckedValue(key: string, value: Buffer): { version: number } | { error: string } {
  if (value.length < 18) return { error: `value of ${value.length} bytes is too short to carry a checksum` };
  const body = value.subarray(0, value.length - 16);
  const sum = value.subarray(value.length - 16).toString("latin1");
  if (createHash("sha1").update(body).digest("hex").slice(0, 16) !== sum) return { error: "checksum mismatch (bytes never written as one value)" };
  const match = /^([^|]*)\|(\d+)\|/.exec(body.subarray(0, Math.min(body.length, 300)).toString("latin1"));
  if (match === null || match[1] !== key) return { error: `value names key ${match ? match[1] : "?"}` };
  return { version: Number(match[2]) };
}

interface Answer {
  reply: Reply;
  value: Buffer | null;
}

interface KeyModel {
  /** Versions the key may hold now; 0 stands for "absent". */
  possible: Set<number>;
  busy: boolean;
}

export interface OperationRecord {
  /** ms since the load started. */
  at: number;
  latencyUs: number;
  kind: "get" | "set";
  ok: boolean;
}

export interface LoadResult {
  operations: number;
  failed: number;
  violations: string[];
  records: OperationRecord[];
  elapsedMs: number;
}

export interface LoadOptions {
  /** Bounds: stop after this many operations or this long, whichever comes first. */
  operations: number;
  maxMs: number;
  /** Share of writes (the rest are reads). */
  writeShare: number;
  /** Requests in flight at once. */
  window: number;
  /** Stops the load early when it returns true (checked before each request). */
  stop?(): boolean;
  /** Called once per completed operation (e.g. to kill a member at a point of the run). */
  onProgress?(done: number): void | Promise<void>;
}

export class CheckedGroupClient {
  private view: CocytusView;
  private readonly connections = new Map<string, MemcachedConnection>();
  private readonly models = new Map<string, KeyModel>();
  private nextVersion = 1;
  private refreshing: Promise<void> | null = null;
  private lastRefresh = 0;
  readonly violations: string[] = [];

  constructor(
    view: CocytusView,
    private readonly k: number,
    /** Every member's client address (to ask for the view when the owners fail). */
    private readonly addresses: string[],
    private readonly timeoutMs = 3000,
    /** Connections per server (a key always uses the same one): a read waiting for repair holds up only its own connection. */
    private readonly connectionsPerServer = 4,
  ) {
    this.view = view;
  }

  get currentView(): CocytusView {
    return this.view;
  }

  /** Sets (and waits for) every key once, each with a fresh version. */
  async preload(keys: string[], size: (key: string) => number, window = 64): Promise<number> {
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    for (const key of keys) {
      const op = this.write(key, size(key)).then((ok) => {
        if (!ok) failed++;
      });
      inFlight.add(op);
      void op.finally(() => inFlight.delete(op));
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return failed;
  }

  /** A bounded mixed load over the keys (picked uniformly with a seeded draw), with `window` requests in flight. */
  async run(keys: string[], size: (key: string) => number, random: () => number, options: LoadOptions): Promise<LoadResult> {
    const started = Date.now();
    const records: OperationRecord[] = [];
    let issued = 0;
    let done = 0;
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    while (issued < options.operations && Date.now() - started < options.maxMs && !options.stop?.()) {
      const key = keys[Math.floor(random() * keys.length)];
      if (this.model(key).busy) continue;
      const kind = random() < options.writeShare ? "set" : "get";
      const t0 = performance.now();
      issued++;
      const op = (kind === "set" ? this.write(key, size(key)) : this.read(key)).then(async (ok) => {
        records.push({ at: Date.now() - started, latencyUs: Math.round((performance.now() - t0) * 1000), kind, ok });
        if (!ok) failed++;
        done++;
        await options.onProgress?.(done);
      });
      inFlight.add(op);
      void op.finally(() => inFlight.delete(op));
      if (inFlight.size >= options.window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return { operations: done, failed, violations: this.violations, records, elapsedMs: Date.now() - started };
  }

  /** Reads every key and checks it against the model; returns how many reads failed outright. */
  async verifyAll(keys: string[], window = 64): Promise<{ failed: number; checked: number }> {
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    for (const key of keys) {
      const op = this.read(key).then((ok) => {
        if (!ok) failed++;
      });
      inFlight.add(op);
      void op.finally(() => inFlight.delete(op));
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return { failed, checked: keys.length };
  }

  /** Whether every key has exactly one possible value (no write of unknown outcome). */
  uncertainKeys(): string[] {
    return [...this.models].filter(([, model]) => model.possible.size > 1).map(([key]) => key);
  }

  /** Asks the members for the current view (newest epoch wins). */
  async refreshView(): Promise<CocytusView> {
    const answers = await Promise.allSettled(
      this.addresses.map((address) => {
        const at = address.lastIndexOf(":");
        return askCocytusView(address.slice(0, at), Number(address.slice(at + 1)), 1000);
      }),
    );
    for (const answer of answers) if (answer.status === "fulfilled" && answer.value.epoch >= this.view.epoch) this.view = answer.value;
    return this.view;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close(100)));
  }

  private model(key: string): KeyModel {
    let model = this.models.get(key);
    if (model === undefined) {
      model = { possible: new Set([0]), busy: false };
      this.models.set(key, model);
    }
    return model;
  }

  private connectionFor(key: Buffer): MemcachedConnection | null {
    const address = ownerAddress(this.view, route(key, { mode: "cocytus", groups: 1, k: this.k }).member);
    if (address === null) return null;
    let slot = 0;
    for (const byte of key) slot = (slot * 31 + byte) >>> 0;
    const name = `${address}#${slot % this.connectionsPerServer}`;
    let connection = this.connections.get(name);
    if (connection === undefined) {
      const at = address.lastIndexOf(":");
      connection = new MemcachedConnection(address.slice(0, at), Number(address.slice(at + 1)), { timeoutMs: this.timeoutMs });
      this.connections.set(name, connection);
    }
    return connection;
  }

  private async write(key: string, size: number): Promise<boolean> {
    const model = this.model(key);
    model.busy = true;
    const version = this.nextVersion++;
    const keyBytes = Buffer.from(key, "latin1");
    const value = checkedValue(key, version, size);
    const answer = await this.send(keyBytes, (connection, handler) => connection.store(SET, keyBytes, 0, keyBytes.length, value, 0, value.length, handler));
    model.busy = false;
    if (answer.reply === "stored") {
      model.possible = new Set([version]);
      return true;
    }
    model.possible.add(version);
    return false;
  }

  private async read(key: string): Promise<boolean> {
    const model = this.model(key);
    model.busy = true;
    const keyBytes = Buffer.from(key, "latin1");
    const answer = await this.send(keyBytes, (connection, handler) => connection.get(keyBytes, 0, keyBytes.length, handler));
    model.busy = false;
    if (answer.reply === "miss") {
      if (!model.possible.has(0)) this.violations.push(`${key}: a miss, but it may only hold versions ${[...model.possible].join(", ")}`);
      return true;
    }
    if (answer.reply !== "hit" || answer.value === null) return false;
    const parsed = parseCheckedValue(key, answer.value);
    if ("error" in parsed) this.violations.push(`${key}: ${parsed.error}`);
    else if (!model.possible.has(parsed.version)) this.violations.push(`${key}: read version ${parsed.version}, but it may only hold ${[...model.possible].join(", ")}`);
    return true;
  }

  /** Sends one request to the key's owner; on an error, refreshes the view (at most every 100 ms). */
  private async send(key: Buffer, issue: (connection: MemcachedConnection, handler: ReplyHandler) => void): Promise<Answer> {
    const connection = this.connectionFor(key);
    if (connection === null) {
      await this.refresh();
      return { reply: "error", value: null };
    }
    const answer = await new Promise<Answer>((resolve) =>
      issue(connection, { onReply: (reply, data, start, end) => resolve({ reply, value: data ? Buffer.from(data.subarray(start, end)) : null }) }),
    );
    if (answer.reply === "error") await this.refresh();
    return answer;
  }

  private refresh(): Promise<void> {
    if (this.refreshing !== null) return this.refreshing;
    const wait = Math.max(0, this.lastRefresh + 100 - Date.now());
    this.refreshing = new Promise<void>((resolve) => setTimeout(resolve, wait))
      .then(() => this.refreshView())
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.lastRefresh = Date.now();
        this.refreshing = null;
      });
    return this.refreshing;
  }
}
