/**
 * Splits the bytes a memcached client sends into requests the proxy can route: it finds each
 * command's key(s) and, for storage commands, the data block. Everything else (flags, exptime,
 * the server's own validation) is left to the server that owns the key.
 */

/** memcached's key limit (DESIGN section 5). */
export const MAX_KEY_BYTES = 250;
/** A command line longer than this (no newline yet) is refused, as memcached does. */
export const MAX_LINE_BYTES = 64 * 1024;
/** A data block larger than this is refused without buffering it (the servers' limit is far lower). */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

export type Request =
  /** get/gets/gat/gats: `head` is the command and its leading arguments (gat's exptime). */
  | { kind: "retrieval"; head: string; keys: Buffer[] }
  /** A command on one key, forwarded as `line` (+ `data` for storage commands); noreply already stripped. */
  | { kind: "keyed"; key: Buffer; line: string; data?: Buffer; noreply: boolean}
  /** flush_all and verbosity: sent to every owner, answered with the first failure or the one reply. */
  | { kind: "broadcast"; line: string; noreply: boolean }
  | { kind: "stats"; line: string }
  | { kind: "version"; line: string }
  | { kind: "quit" }
  /** Answered by the proxy itself (bad input, unknown commands). `close` ends the connection after it. */
  | { kind: "local"; reply: string; close?: boolean };

const STORAGE = new Set(["set", "add", "replace", "append", "prepend", "cas"]);
const KEYED = new Set(["delete", "incr", "decr", "touch"]);

/** Incremental parser: feed() bytes as they arrive, take the complete requests it returns. */
export class RequestParser {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes still to drop after a refused storage command (memcached "swallows" its data). */
  private swallow = 0;

  feed(chunk: Buffer): Request[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const requests: Request[] = [];
    let offset = 0;
    for (;;) {
      if (this.swallow > 0) {
        const dropped = Math.min(this.swallow, this.pending.length - offset);
        this.swallow -= dropped;
        offset += dropped;
        if (this.swallow > 0) break;
      }
      const newline = this.pending.indexOf(10, offset);
      if ((newline < 0 ? this.pending.length : newline) - offset > MAX_LINE_BYTES) {
        requests.push({ kind: "local", reply: "CLIENT_ERROR line too long\r\n", close: true });
        offset = this.pending.length;
        break;
      }
      if (newline < 0) break;
      const lineEnd = newline > offset && this.pending[newline - 1] === 13 ? newline - 1 : newline;
      const line = this.pending.subarray(offset, lineEnd);
      const request = this.parseLine(line, newline + 1);
      if (request === "incomplete") break;
      offset = request.next;
      if (request.request) requests.push(request.request);
    }
    this.pending = offset >= this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return requests;
  }

  /** Parses one command line starting a request; `afterLine` is where its data block (if any) starts. */
  private parseLine(line: Buffer, afterLine: number): { request?: Request; next: number } | "incomplete" {
    const tokens = splitTokens(line);
    if (tokens.length === 0) return { request: { kind: "local", reply: "ERROR\r\n" }, next: afterLine };
    const command = tokens[0].toString("latin1");
    if (command === "get" || command === "gets") return { request: retrieval(command, tokens, 1), next: afterLine };
    if (command === "gat" || command === "gats") return { request: retrieval(`${command} ${tokens[1]?.toString("latin1") ?? ""}`, tokens, 2), next: afterLine };
    if (STORAGE.has(command)) return this.storage(command, tokens, afterLine);
    if (KEYED.has(command)) {
      if (tokens.length < 2) return { request: { kind: "local", reply: "ERROR\r\n" }, next: afterLine };
      const { kept, noreply } = stripNoreply(tokens);
      if (tokens[1].length > MAX_KEY_BYTES) return { request: badFormat(noreply), next: afterLine };
      return { request: { kind: "keyed", key: tokens[1], line: joinTokens(kept), noreply }, next: afterLine };
    }
    if (command === "flush_all" || command === "verbosity") {
      const { kept, noreply } = stripNoreply(tokens);
      return { request: { kind: "broadcast", line: joinTokens(kept), noreply }, next: afterLine };
    }
    if (command === "stats") return { request: { kind: "stats", line: joinTokens(tokens) }, next: afterLine };
    if (command === "version") return { request: { kind: "version", line: "version" }, next: afterLine };
    if (command === "quit") return { request: { kind: "quit" }, next: afterLine };
    return { request: { kind: "local", reply: "ERROR\r\n" }, next: afterLine };
  }

  private storage(command: string, tokens: Buffer[], afterLine: number): { request?: Request; next: number } | "incomplete" {
    const { kept, noreply } = stripNoreply(tokens);
    const expected = command === "cas" ? 6 : 5;
    if (kept.length !== expected) return { request: { kind: "local", reply: "ERROR\r\n" }, next: afterLine };
    const byteText = kept[4].toString("latin1");
    const bytes = /^\d+$/.test(byteText) ? Number(byteText) : Number.NaN;
    if (!Number.isSafeInteger(bytes)) return { request: badFormat(noreply), next: afterLine };
    // As memcached 1.6: a key too long refuses the line only (the data is then read as commands);
    // a value too large refuses the line and skips the data block the client sends anyway.
    if (kept[1].length > MAX_KEY_BYTES) return { request: badFormat(noreply), next: afterLine };
    if (bytes > MAX_DATA_BYTES) {
      this.swallow = bytes + 2;
      return { request: { kind: "local", reply: noreply ? "" : "SERVER_ERROR object too large for cache\r\n" }, next: afterLine };
    }
    const end = afterLine + bytes + 2;
    if (this.pending.length < end) return "incomplete";
    if (this.pending[end - 2] !== 13 || this.pending[end - 1] !== 10) {
      return { request: { kind: "local", reply: noreply ? "" : "CLIENT_ERROR bad data chunk\r\n" }, next: end };
    }
    const data = Buffer.from(this.pending.subarray(afterLine, end));
    return { request: { kind: "keyed", key: Buffer.from(kept[1]), line: joinTokens(kept), data, noreply }, next: end };
  }
}

function retrieval(head: string, tokens: Buffer[], firstKey: number): Request {
  const keys = tokens.slice(firstKey).map((key) => Buffer.from(key));
  if (keys.length === 0) return { kind: "local", reply: "ERROR\r\n" };
  if (keys.some((key) => key.length > MAX_KEY_BYTES)) return badFormat(false);
  return { kind: "retrieval", head, keys };
}

function badFormat(noreply: boolean): Request {
  return { kind: "local", reply: noreply ? "" : "CLIENT_ERROR bad command line format\r\n" };
}

/** memcached treats a trailing "noreply" token as the flag; the proxy always asks for the reply and drops it. */
function stripNoreply(tokens: Buffer[]): { kept: Buffer[]; noreply: boolean } {
  const last = tokens[tokens.length - 1];
  const noreply = tokens.length > 1 && last.toString("latin1") === "noreply";
  return { kept: noreply ? tokens.slice(0, -1) : tokens, noreply };
}

/** Space-separated tokens, as memcached's tokenizer sees them (runs of spaces collapse). */
function splitTokens(line: Buffer): Buffer[] {
  const tokens: Buffer[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const isSpace = i === line.length || line[i] === 32;
    if (isSpace && start >= 0) {
      tokens.push(line.subarray(start, i));
      start = -1;
    } else if (!isSpace && start < 0) start = i;
  }
  return tokens;
}

function joinTokens(tokens: Buffer[]): string {
  return tokens.map((t) => t.toString("latin1")).join(" ");
}
