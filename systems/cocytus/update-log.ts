/**
 * A parity process's buffer of one data process's received, not yet applied requests: a FIFO of
 * decoded Updates whose bytes (key, diff) live in one ring buffer. Requests arrive and are
 * applied in timestamp order, so the ring needs no allocation per request (a copy per request
 * would be freed soon after, and such churn shows up in RSS, which is what Cocytus is measured
 * by). The ring grows when the in-flight bytes outgrow it; views handed out before a growth keep
 * pointing at the old ring, which is never written again, so they stay valid.
 */
import { decodeUpdate, type UpdateMessage } from "./messages.ts";

interface Entry {
  update: UpdateMessage;
  /** Where the entry's bytes lie in the current ring. */
  start: number;
  end: number;
}

const INITIAL_RING_BYTES = 256 * 1024;

export class UpdateLog {
  private ring = Buffer.allocUnsafe(INITIAL_RING_BYTES);
  private readonly entries: Entry[] = [];
  /** Index in `entries` of the oldest entry (entries before it were taken). */
  private first = 0;
  /** Where the next entry's bytes go. */
  private tail = 0;

  get length(): number {
    return this.entries.length - this.first;
  }

  /** The oldest entry, or undefined. */
  peek(): UpdateMessage | undefined {
    return this.entries[this.first]?.update;
  }

  /** Copies an Update's payload into the ring and returns it decoded (views into the ring). */
  append(payload: Uint8Array): UpdateMessage {
    const start = this.place(payload.length);
    this.ring.set(payload, start);
    const bytes = this.ring.subarray(start, start + payload.length);
    const update = decodeUpdate(bytes);
    this.entries.push({ update, start, end: start + payload.length });
    this.tail = start + payload.length;
    return update;
  }

  /** Removes and returns the oldest entry (its views stay readable until the ring wraps over them). */
  shift(): UpdateMessage | undefined {
    if (this.length === 0) return undefined;
    const entry = this.entries[this.first++];
    if (this.length === 0) {
      this.clear();
    } else if (this.first > 1024 && this.first * 2 > this.entries.length) {
      this.entries.splice(0, this.first);
      this.first = 0;
    }
    return entry.update;
  }

  /** The entries, oldest first, as a new array (their views are valid while they stay in the log). */
  toArray(): UpdateMessage[] {
    return this.entries.slice(this.first).map((entry) => entry.update);
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.length = 0;
    this.first = 0;
    this.tail = 0;
  }

  /** Bytes the ring holds (for accounting). */
  get capacityBytes(): number {
    return this.ring.length;
  }

  /** A start for `size` bytes after the live ones: at the tail, else wrapped to 0, else in a larger ring. */
  private place(size: number): number {
    if (this.length === 0) {
      if (size > this.ring.length) this.ring = Buffer.allocUnsafe(Math.max(size, 2 * this.ring.length));
      return 0;
    }
    const head = this.entries[this.first].start;
    if (this.tail >= head) {
      if (this.ring.length - this.tail >= size) return this.tail;
      if (head >= size) return 0;
    } else if (head - this.tail >= size) {
      return this.tail;
    }
    this.grow(size);
    return this.tail;
  }

  /** Moves the live bytes, oldest first, to the start of a ring with room for `size` more. */
  private grow(size: number): void {
    const live = this.entries.slice(this.first);
    const liveBytes = live.reduce((sum, entry) => sum + entry.end - entry.start, 0);
    const ring = Buffer.allocUnsafe(Math.max(2 * this.ring.length, liveBytes + size));
    let at = 0;
    for (const entry of live) {
      this.ring.copy(ring, at, entry.start, entry.end);
      entry.end = at + entry.end - entry.start;
      entry.start = at;
      at = entry.end;
    }
    this.ring = ring;
    this.entries.splice(0, this.first);
    this.first = 0;
    this.tail = at;
  }
}
