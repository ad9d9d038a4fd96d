/**
 * Frames a connection's input into command lines and value blocks, working on the received
 * Buffers directly: a line or value that arrived in one read is handed over as a view of that
 * read's bytes; only a line or value split across reads is copied (into a fresh Buffer, so views
 * handed out stay valid as long as anyone holds them: nothing here is ever reused or overwritten).
 *
 * Limits as memcached 1.6 applies them (its 16 KiB read buffer shows through):
 * - a line is cut at "\n"; a "\r" before it is dropped unless the line is just "\r";
 * - an incomplete line longer than 2048 bytes closes the connection unless it starts (after at
 *   most 100 spaces) with "get " or "gets " (a big multi-get); a complete line longer than the
 *   16 KiB read buffer closes it too, with the same exception;
 * - our own bound: a multi-get line longer than MAX_GET_LINE_BYTES closes the connection
 *   (memcached grows its buffer without limit).
 * A value is read as `length + 2` bytes whose last two must be "\r\n" (the handler is told); a
 * swallowed value (too large) is skipped without being stored anywhere.
 *
 * Input may be lent (options.lentInput: each chunk is valid only during feed(), as socket input
 * read straight from the shared read buffer is): then the parser copies what it keeps past feed()
 * (input that arrives or remains while paused). Lines and values it hands over are views either
 * way; with lent input the handler must copy what it keeps of them.
 */

/** Receives what the parser frames; called synchronously from feed(). */
export interface ParserHandler {
  /** A command line, buf[start, end), without its line ending. May call expectValue/swallow/pause/close. */
  onLine(buf: Buffer, start: number, end: number): void;
  /** The value announced by expectValue; `terminated` is false when the 2 bytes after it were not "\r\n". */
  onValue(value: Buffer, terminated: boolean): void;
  /**
   * Optional: where to put a value that did not arrive in one read (exactly `length` bytes, e.g. a
   * region of the store's data area), or null to let the parser assemble it in a fresh Buffer.
   * onValue then gets that same Buffer.
   */
  valueTarget?(length: number): Buffer | null;
  /** Optional: the value being received into a valueTarget will never complete (the parser closed). */
  valueAbandoned?(): void;
}

/** memcached's incomplete-line limit (try_read_command_ascii). */
export const PARTIAL_LINE_LIMIT = 2048;
/** memcached's read buffer: a longer non-get line can never be seen whole. */
export const READ_BUFFER_BYTES = 16384;
/** Our bound on a multi-get line (memcached has none). */
export const MAX_GET_LINE_BYTES = 2 * 1024 * 1024;

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;

/** What the parser is reading now. */
const Mode = { Line: 0, Value: 1, Swallow: 2, Closed: 3 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

export class RequestParser {
  private mode: Mode = Mode.Line;
  /** Bytes of an incomplete line (fresh allocation; grows by doubling). */
  private partial: Buffer | null = null;
  private partialLength = 0;
  /** Length of the value being read (without its "\r\n"). */
  private valueLength = 0;
  /** Where a value split across reads is assembled: the handler's target (length bytes) or ours (length + 2). */
  private valueBuf: Buffer | null = null;
  private valueBufIsTarget = false;
  /** The 2 bytes after a value assembled in a handler's target. */
  private readonly tail = Buffer.alloc(2);
  private valueFilled = 0;
  private swallowRemaining = 0;
  private paused = false;
  /** Input that arrived or remained while paused, processed on resume(). */
  private backlog: Buffer[] = [];

  private readonly lentInput: boolean;

  constructor(
    private readonly handler: ParserHandler,
    options: { lentInput?: boolean } = {},
  ) {
    this.lentInput = options.lentInput ?? false;
  }

  /** Called from onLine: the next `length` bytes plus "\r\n" are a value, delivered by onValue. */
  expectValue(length: number): void {
    this.mode = Mode.Value;
    this.valueLength = length;
    this.valueFilled = 0;
  }

  /** Called from onLine: skip the next `bytes` bytes (a value too large to store). */
  swallow(bytes: number): void {
    this.mode = Mode.Swallow;
    this.swallowRemaining = bytes;
  }

  /** Stops framing after the current request until resume() (used while earlier replies are pending). */
  pause(): void {
    this.paused = true;
  }

  /** Stops for good: the connection is to be closed; further input is ignored. */
  close(): void {
    if (this.mode === Mode.Value && this.valueBufIsTarget) this.handler.valueAbandoned?.();
    this.valueBufIsTarget = false;
    this.mode = Mode.Closed;
    this.partial = null;
    this.partialLength = 0;
    this.valueBuf = null;
    this.backlog.length = 0;
  }

  get closed(): boolean {
    return this.mode === Mode.Closed;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** True while waiting for (the rest of) a value or swallowing one: memcached holds replies then. */
  get midValue(): boolean {
    return this.mode === Mode.Value || this.mode === Mode.Swallow;
  }

  /** Bytes held for an incomplete line or value (for memory accounting and tests). */
  get bufferedBytes(): number {
    let total = this.partialLength + (this.valueBuf && !this.valueBufIsTarget ? this.valueBuf.length : 0);
    for (const chunk of this.backlog) total += chunk.length;
    return total;
  }

  feed(chunk: Buffer): void {
    if (this.mode === Mode.Closed) return;
    if (this.paused) {
      this.backlog.push(this.keep(chunk));
      return;
    }
    this.process(chunk, 0);
  }

  /** Continues after pause(): frames the input that arrived meanwhile. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (!this.paused && this.mode !== Mode.Closed && this.backlog.length > 0) {
      const chunk = this.backlog.shift()!;
      this.process(chunk, 0);
    }
  }

  private process(chunk: Buffer, pos: number): void {
    const length = chunk.length;
    while (pos < length) {
      switch (this.mode) {
        case Mode.Line:
          pos = this.partial === null ? this.line(chunk, pos) : this.continueLine(chunk, pos);
          break;
        case Mode.Value:
          pos = this.value(chunk, pos);
          break;
        case Mode.Swallow: {
          const skip = Math.min(this.swallowRemaining, length - pos);
          this.swallowRemaining -= skip;
          pos += skip;
          if (this.swallowRemaining === 0) this.mode = Mode.Line;
          break;
        }
        case Mode.Closed:
          return;
      }
      if (this.paused && pos < length) {
        this.backlog.unshift(this.keep(chunk.subarray(pos)));
        return;
      }
    }
  }

  /** Input held past feed(): a copy if it was only lent. */
  private keep(input: Buffer): Buffer {
    return this.lentInput ? Buffer.from(input) : input;
  }

  /** A line starting at pos with nothing buffered before it. */
  private line(chunk: Buffer, pos: number): number {
    const newline = chunk.indexOf(NEWLINE, pos);
    if (newline < 0) {
      this.startPartial(chunk, pos);
      return chunk.length;
    }
    if (newline - pos + 1 > READ_BUFFER_BYTES && !this.mayBeLong(chunk, pos, newline)) {
      this.close();
      return chunk.length;
    }
    this.deliverLine(chunk, pos, newline);
    return newline + 1;
  }

  /** More bytes of a line that began in an earlier read. */
  private continueLine(chunk: Buffer, pos: number): number {
    const newline = chunk.indexOf(NEWLINE, pos);
    const take = (newline < 0 ? chunk.length : newline + 1) - pos;
    this.appendPartial(chunk, pos, take);
    const partial = this.partial!;
    if (newline < 0) {
      this.checkPartial();
      return chunk.length;
    }
    const lineLength = this.partialLength;
    this.partial = null;
    this.partialLength = 0;
    if (lineLength > READ_BUFFER_BYTES && !this.mayBeLong(partial, 0, lineLength)) {
      this.close();
      return chunk.length;
    }
    this.deliverLine(partial, 0, lineLength - 1);
    return newline + 1;
  }

  private deliverLine(buf: Buffer, start: number, newline: number): void {
    const end = newline - start > 1 && buf[newline - 1] === RETURN ? newline - 1 : newline;
    this.handler.onLine(buf, start, end);
  }

  private startPartial(chunk: Buffer, pos: number): void {
    const take = chunk.length - pos;
    this.partial = Buffer.allocUnsafe(Math.max(256, take * 2));
    this.partialLength = 0;
    this.appendPartial(chunk, pos, take);
    this.checkPartial();
  }

  private appendPartial(chunk: Buffer, pos: number, take: number): void {
    let partial = this.partial!;
    const needed = this.partialLength + take;
    if (needed > partial.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, partial.length * 2));
      partial.copy(grown, 0, 0, this.partialLength);
      this.partial = partial = grown;
    }
    chunk.copy(partial, this.partialLength, pos, pos + take);
    this.partialLength = needed;
  }

  /** memcached's rule for a read that ends inside a long line, plus our multi-get bound. */
  private checkPartial(): void {
    if (this.partialLength <= PARTIAL_LINE_LIMIT) return;
    if (!this.mayBeLong(this.partial!, 0, this.partialLength) || this.partialLength > MAX_GET_LINE_BYTES) this.close();
  }

  /** Whether a long line is a multi-get: at most 100 leading spaces, then "get " or "gets ". */
  private mayBeLong(buf: Buffer, start: number, end: number): boolean {
    let i = start;
    while (i < end && buf[i] === SPACE) i++;
    if (i - start > 100) return false;
    if (end - start > MAX_GET_LINE_BYTES) return false;
    return startsWithAscii(buf, i, end, "get ") || startsWithAscii(buf, i, end, "gets ");
  }

  private value(chunk: Buffer, pos: number): number {
    const total = this.valueLength + 2;
    const available = chunk.length - pos;
    if (this.valueBuf === null && available >= total) {
      // The common case: the whole value is in this read; hand over a view, no copy.
      const end = pos + this.valueLength;
      this.mode = Mode.Line;
      this.handler.onValue(chunk.subarray(pos, end), chunk[end] === RETURN && chunk[end + 1] === NEWLINE);
      return pos + total;
    }
    if (this.valueBuf === null) {
      const target = this.handler.valueTarget?.(this.valueLength) ?? null;
      this.valueBufIsTarget = target !== null;
      this.valueBuf = target ?? Buffer.allocUnsafe(total);
      this.valueFilled = 0;
    }
    const take = Math.min(total - this.valueFilled, available);
    this.fill(chunk, pos, take);
    this.valueFilled += take;
    if (this.valueFilled < total) return pos + take;
    const value = this.valueBuf;
    const end = this.valueLength;
    const after = this.valueBufIsTarget ? this.tail : value.subarray(end);
    this.valueBuf = null;
    this.valueBufIsTarget = false;
    this.mode = Mode.Line;
    this.handler.onValue(value.subarray(0, end), after[0] === RETURN && after[1] === NEWLINE);
    return pos + take;
  }

  /** Copies chunk[pos, pos + take) to the value being assembled (the 2 bytes after it go to `tail` for a target). */
  private fill(chunk: Buffer, pos: number, take: number): void {
    const buf = this.valueBuf!;
    if (!this.valueBufIsTarget) {
      chunk.copy(buf, this.valueFilled, pos, pos + take);
      return;
    }
    const intoValue = Math.max(0, Math.min(take, this.valueLength - this.valueFilled));
    chunk.copy(buf, this.valueFilled, pos, pos + intoValue);
    for (let i = intoValue; i < take; i++) this.tail[this.valueFilled + i - this.valueLength] = chunk[pos + i];
  }
}

function startsWithAscii(buf: Buffer, start: number, end: number, word: string): boolean {
  if (end - start < word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word.charCodeAt(i)) return false;
  return true;
}
