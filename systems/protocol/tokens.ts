/**
 * Splits a command line into tokens the way memcached's tokenize_command does, as offsets into the
 * line's bytes (no strings, no per-request objects: one Tokens instance per connection).
 *
 * memcached's rules, kept because clients see their effects: only the space byte separates tokens
 * (a tab is part of a token), the line ends at its first NUL byte (C's strlen), and at most 23
 * tokens are taken; the rest of the line stays unparsed (`rest`), which get/gets continue with and
 * every other command treats as "too many tokens".
 */

/** memcached's MAX_TOKENS: 23 tokens plus the terminal one. */
export const MAX_TOKENS = 24;

const SPACE = 0x20;

export class Tokens {
  readonly start = new Int32Array(MAX_TOKENS);
  readonly end = new Int32Array(MAX_TOKENS);
  /** Number of real tokens (memcached's ntokens is count + 1). */
  count = 0;
  /** Offset of the unparsed remainder of the line, or -1 when the whole line was tokenized. */
  rest = -1;
  /** End of the line as memcached sees it (the first NUL, or the line's end). */
  lineEnd = 0;
  buf: Uint8Array = new Uint8Array(0);

  /** Tokenizes buf[start, end). */
  split(buf: Uint8Array, start: number, end: number): void {
    let lineEnd = start;
    while (lineEnd < end && buf[lineEnd] !== 0) lineEnd++;
    this.buf = buf;
    this.lineEnd = lineEnd;
    this.splitFrom(start);
  }

  /** Continues tokenizing from `from` (the previous `rest`), replacing the current tokens. */
  splitFrom(from: number): void {
    const buf = this.buf;
    const lineEnd = this.lineEnd;
    let count = 0;
    let tokenStart = from;
    let i = from;
    for (; i < lineEnd; i++) {
      if (buf[i] !== SPACE) continue;
      if (tokenStart !== i) {
        this.start[count] = tokenStart;
        this.end[count] = i;
        count++;
        if (count === MAX_TOKENS - 1) {
          i++;
          tokenStart = i;
          break;
        }
      }
      tokenStart = i + 1;
    }
    if (tokenStart !== i) {
      this.start[count] = tokenStart;
      this.end[count] = i;
      count++;
    }
    this.count = count;
    this.rest = i < lineEnd ? i : -1;
  }

  length(index: number): number {
    return this.end[index] - this.start[index];
  }

  /** Whether token `index` equals the ASCII bytes of `word`. */
  is(index: number, word: Uint8Array): boolean {
    const start = this.start[index];
    if (this.end[index] - start !== word.length) return false;
    const buf = this.buf;
    for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
    return true;
  }

  /** Whether token `index` starts with the ASCII bytes of `prefix`. */
  startsWith(index: number, prefix: Uint8Array): boolean {
    const start = this.start[index];
    if (this.end[index] - start < prefix.length) return false;
    for (let i = 0; i < prefix.length; i++) if (this.buf[start + i] !== prefix[i]) return false;
    return true;
  }

  /** A view of token `index` (shares the line's memory). */
  view(index: number): Buffer {
    const buf = this.buf;
    return Buffer.from(buf.buffer, buf.byteOffset + this.start[index], this.end[index] - this.start[index]);
  }

  /** Token `index` as text, for rare paths (extension commands, errors). */
  text(index: number): string {
    return this.view(index).toString("latin1");
  }
}

/** The ASCII bytes of a word, for Tokens.is. */
export function ascii(word: string): Uint8Array {
  return Buffer.from(word, "latin1");
}
