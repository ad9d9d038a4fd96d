/**
 * A connection's outgoing replies, in request order.
 *
 * Replies produced synchronously are written as bytes into a shared output slab (64 KiB pieces,
 * never rewound once handed out), so a whole read event's replies usually leave in one
 * socket.write of one contiguous slice. A reply that completes later (a backend returned a
 * Promise) holds a slot; everything after it waits in the queue until it is filled.
 *
 * memcached only sends what it has "flushed"; a connection closed while a value is still being
 * read loses the unflushed replies, and a multi-get with a too-long key discards them. `commit()`
 * marks the flush points, `discardUncommitted()` drops what came after the last one, and
 * `flush()` sends the committed prefix that is ready.
 */

/** Where bytes go: a socket (or a test's collector). */
export interface ReplyTransport {
  write(chunk: Buffer): void;
  cork?(): void;
  uncork?(): void;
}

/** A reply that completes later; `reply` is set once the Promise settles. */
interface Slot {
  reply: Buffer | null;
}

const SLAB_BYTES = 64 * 1024;

/** The shared output slab: every queue appends at `position`; bytes before it are owned by someone. */
let slab = Buffer.allocUnsafe(SLAB_BYTES);
let position = 0;

export class ReplyQueue {
  private readonly entries: Array<Buffer | Slot> = [];
  private committedCount = 0;
  private pendingSlots = 0;
  /** The connection is gone: nothing more is written. */
  private abandoned = false;
  /** The open segment: openBuf[openStart, openEnd), committed up to openCommitted. */
  private openBuf: Buffer = slab;
  private openStart = -1;
  private openCommitted = -1;
  private openEnd = -1;

  /**
   * @param transport where flushed bytes go
   * @param onSettled called after a slot was filled and the queue flushed (the engine resumes work)
   */
  constructor(
    private readonly transport: ReplyTransport,
    private readonly onSettled: () => void = () => {},
  ) {}

  /** Number of replies still waiting for their Promise. */
  get pending(): number {
    return this.pendingSlots;
  }

  /** Whether nothing is left to send. */
  get empty(): boolean {
    return this.entries.length === 0 && this.openEnd === this.openStart;
  }

  /**
   * Makes room for `bytes` more bytes at the end of the open segment and returns the buffer to
   * write into at `reservedAt`; call advance(bytes) after writing.
   */
  reserve(bytes: number): Buffer {
    if (slab !== this.openBuf || position !== this.openEnd || slab.length - position < bytes) {
      this.cut();
      if (slab.length - position < bytes) {
        slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes));
        position = 0;
      }
      this.openBuf = slab;
      this.openStart = this.openCommitted = this.openEnd = position;
    }
    return slab;
  }

  /** Where the bytes reserved by the last reserve() start. */
  get reservedAt(): number {
    return position;
  }

  advance(bytes: number): void {
    position += bytes;
    this.openEnd = position;
  }

  /** Appends bytes (copied, so the source may change afterwards). */
  write(bytes: Uint8Array): void {
    const out = this.reserve(bytes.length);
    out.set(bytes, position);
    this.advance(bytes.length);
  }

  /** Appends a reply that completes later; replies after it wait for it. */
  writeLater(reply: Promise<Buffer>, onError: (error: unknown) => Buffer): void {
    this.cut();
    const slot: Slot = { reply: null };
    this.entries.push(slot);
    this.pendingSlots++;
    const fill = (bytes: Buffer) => {
      slot.reply = bytes;
      this.pendingSlots--;
      this.flush();
      this.onSettled();
    };
    reply.then(fill, (error: unknown) => fill(onError(error)));
  }

  /** Marks everything written so far as sendable (memcached's flush points). */
  commit(): void {
    this.committedCount = this.entries.length;
    this.openCommitted = this.openEnd;
  }

  /**
   * Drops the replies written since the last commit (memcached's conn_release_items), settled
   * slots included. Returns false, dropping nothing, when a slot still pending is among them.
   */
  discardUncommitted(): boolean {
    for (let i = this.committedCount; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (!Buffer.isBuffer(entry) && entry.reply === null) return false;
    }
    this.entries.length = this.committedCount;
    if (slab === this.openBuf && position === this.openEnd) position = this.openCommitted;
    this.openEnd = this.openCommitted;
    return true;
  }

  /** Drops everything and ignores later writes (the connection is gone). */
  abandon(): void {
    this.abandoned = true;
    this.entries.length = 0;
    this.committedCount = 0;
    this.openStart = this.openCommitted = this.openEnd;
  }

  /** Sends the committed replies up to the first one still pending. */
  flush(): void {
    if (this.abandoned) return;
    const entries = this.entries;
    let ready = 0;
    while (ready < this.committedCount) {
      const entry = entries[ready];
      if (!Buffer.isBuffer(entry) && entry.reply === null) break;
      ready++;
    }
    const openReady = ready === entries.length && this.openCommitted > this.openStart;
    if (ready === 0 && !openReady) return;
    const transport = this.transport;
    const several = ready + (openReady ? 1 : 0) > 1;
    if (several) transport.cork?.();
    for (let i = 0; i < ready; i++) {
      const entry = entries[i];
      const bytes = Buffer.isBuffer(entry) ? entry : entry.reply!;
      if (bytes.length > 0) transport.write(bytes);
    }
    if (ready > 0) {
      entries.splice(0, ready);
      this.committedCount -= ready;
    }
    if (openReady) {
      transport.write(this.openBuf.subarray(this.openStart, this.openCommitted));
      this.openStart = this.openCommitted;
    }
    if (several) transport.uncork?.();
  }

  /** Closes the open segment into entries (its committed part first). */
  private cut(): void {
    if (this.openEnd <= this.openStart) return;
    if (this.openCommitted > this.openStart) {
      this.entries.push(this.openBuf.subarray(this.openStart, this.openCommitted));
      this.committedCount = this.entries.length;
    }
    if (this.openEnd > this.openCommitted) this.entries.push(this.openBuf.subarray(this.openCommitted, this.openEnd));
    this.openStart = this.openCommitted = this.openEnd;
  }
}
