import type { DB } from "./db.ts";
import type { MemcachedPool } from "./memcached-pool.ts";
import type { Reply, ReplyHandler } from "./memcached-connection.ts";
import type { Status } from "./status.ts";
import { keyHash, writeValue } from "./value-format.ts";
import type { ValueVerifier } from "./verifier.ts";

/** Counters the bindings of one worker share; summed over workers at the end of a run. */
export interface BindingStats {
  /** Value bytes of inserts the server acknowledged (the memory experiment divides by these). */
  valueBytesInserted: number;
  /** Value bytes of updates the server acknowledged. */
  valueBytesUpdated: number;
  /** The first few server errors, for the report. */
  errorExamples: string[];
}

export function emptyBindingStats(): BindingStats {
  return { valueBytesInserted: 0, valueBytesUpdated: 0, errorExamples: [] };
}

export interface MemcachedDBOptions {
  /** `set` (default) or `add` for inserts (YCSB's memcached binding uses add). */
  insertCommand?: "set" | "add";
  /** `set` (default) or `replace` for updates (YCSB's memcached binding uses replace). */
  updateCommand?: "set" | "replace";
  /** Checks every value read; null to skip checking. */
  verifier: ValueVerifier | null;
  /** Gives the version written into each value (e.g. a per-worker write sequence). */
  nextVersion: () => number;
  stats: BindingStats;
}

const MAX_KEY_BYTES = 250;
const MAX_ERROR_EXAMPLES = 10;
const COMMANDS: Record<string, Buffer> = { set: Buffer.from("set"), add: Buffer.from("add"), replace: Buffer.from("replace") };

const OP_READ = 0;
const OP_INSERT = 1;
const OP_UPDATE = 2;
const OP_DELETE = 3;

/**
 * The memcached binding: YCSB's DB over the pooled text-protocol client. A record is one value of
 * the record's length, in the verifiable value format; reads are checked by the verifier.
 * Status: a read hit that verifies is OK, one that does not is UNEXPECTED_STATE, a miss NOT_FOUND;
 * scan is NOT_IMPLEMENTED (memcached has none, as in YCSB's binding).
 *
 * One instance serves one logical client with one operation in flight at a time (as in YCSB),
 * which lets it reuse its key and value buffers and its reply handler.
 */
export class MemcachedDB implements DB, ReplyHandler {
  private readonly keyBuffer = Buffer.allocUnsafe(4 * MAX_KEY_BYTES);
  private valueBuffer = Buffer.allocUnsafe(1024);
  private readonly insertCommand: Buffer;
  private readonly updateCommand: Buffer;

  // The operation in flight.
  private op = OP_READ;
  private keyLength = 0;
  private valueLength = 0;
  private resolve: ((status: Status) => void) | null = null;
  private result: Map<string, Uint8Array> | null = null;

  constructor(
    private readonly pool: MemcachedPool,
    private readonly options: MemcachedDBOptions,
  ) {
    this.insertCommand = COMMANDS[options.insertCommand ?? "set"];
    this.updateCommand = COMMANDS[options.updateCommand ?? "set"];
  }

  async init(): Promise<void> {}

  async cleanup(): Promise<void> {}

  read(_table: string, key: string, _fields: ReadonlySet<string> | null, result: Map<string, Uint8Array> | null): Promise<Status> {
    if (!this.begin(OP_READ, key)) return Promise.resolve("BAD_REQUEST");
    this.result = result;
    const promise = new Promise<Status>(this.capture);
    this.pool.connectionForKey(this.keyBuffer, 0, this.keyLength).get(this.keyBuffer, 0, this.keyLength, this);
    return promise;
  }

  scan(_table: string, _startKey: string, _recordCount: number, _fields: ReadonlySet<string> | null, _result: Array<Map<string, Uint8Array>> | null): Promise<Status> {
    return Promise.resolve("NOT_IMPLEMENTED");
  }

  update(_table: string, key: string, valueLength: number): Promise<Status> {
    if (!this.begin(OP_UPDATE, key)) return Promise.resolve("BAD_REQUEST");
    return this.send(this.updateCommand, valueLength);
  }

  insert(_table: string, key: string, valueLength: number): Promise<Status> {
    if (!this.begin(OP_INSERT, key)) return Promise.resolve("BAD_REQUEST");
    return this.send(this.insertCommand, valueLength);
  }

  delete(_table: string, key: string): Promise<Status> {
    if (!this.begin(OP_DELETE, key)) return Promise.resolve("BAD_REQUEST");
    const promise = new Promise<Status>(this.capture);
    this.pool.connectionForKey(this.keyBuffer, 0, this.keyLength).delete(this.keyBuffer, 0, this.keyLength, this);
    return promise;
  }

  private send(command: Buffer, length: number): Promise<Status> {
    if (this.valueBuffer.length < length) this.valueBuffer = Buffer.allocUnsafe(Math.max(length, this.valueBuffer.length * 2));
    writeValue(this.valueBuffer, 0, length, keyHash(this.keyBuffer, 0, this.keyLength), this.options.nextVersion());
    this.valueLength = length;
    const promise = new Promise<Status>(this.capture);
    this.pool.connectionForKey(this.keyBuffer, 0, this.keyLength).store(command, this.keyBuffer, 0, this.keyLength, this.valueBuffer, 0, length, this);
    return promise;
  }

  private begin(op: number, key: string): boolean {
    if (this.resolve !== null) throw new Error("MemcachedDB: one operation at a time per instance (a logical client awaits each operation)");
    const length = this.keyBuffer.write(key, 0, "utf8");
    if (length > MAX_KEY_BYTES) {
      this.recordError(`key of ${Buffer.byteLength(key)} bytes is longer than memcached's limit of ${MAX_KEY_BYTES}`);
      return false;
    }
    this.op = op;
    this.keyLength = length;
    return true;
  }

  private readonly capture = (resolve: (status: Status) => void): void => {
    this.resolve = resolve;
  };

  /** The connection's reply to the operation in flight. */
  onReply(reply: Reply, data: Buffer | null, start: number, end: number, error: string | null): void {
    const resolve = this.resolve!;
    this.resolve = null;
    resolve(this.statusOf(reply, data, start, end, error));
  }

  private statusOf(reply: Reply, data: Buffer | null, start: number, end: number, error: string | null): Status {
    switch (reply) {
      case "hit": {
        if (this.result !== null) this.result.set("value", Uint8Array.prototype.slice.call(data!, start, end));
        const verifier = this.options.verifier;
        if (verifier === null || verifier.onValue(this.keyBuffer, 0, this.keyLength, data!, start, end)) return "OK";
        return "UNEXPECTED_STATE";
      }
      case "miss":
        this.options.verifier?.onMiss(this.keyBuffer, 0, this.keyLength);
        return "NOT_FOUND";
      case "stored":
        if (this.op === OP_INSERT) this.options.stats.valueBytesInserted += this.valueLength;
        else this.options.stats.valueBytesUpdated += this.valueLength;
        return "OK";
      case "deleted":
        return "OK";
      case "not-found":
        return "NOT_FOUND";
      case "error":
        this.recordError(error ?? "error");
        return "ERROR";
      default:
        this.recordError(`${reply} for ${this.op === OP_INSERT ? "insert" : this.op === OP_UPDATE ? "update" : "request"} of ${this.keyBuffer.toString("latin1", 0, this.keyLength)}`);
        return "ERROR";
    }
  }

  private recordError(message: string): void {
    const examples = this.options.stats.errorExamples;
    if (examples.length < MAX_ERROR_EXAMPLES) examples.push(message);
  }
}
