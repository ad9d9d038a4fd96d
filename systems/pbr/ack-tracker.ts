/**
 * The primary's bookkeeping of backup acknowledgements. A write's reply is released once every
 * live backup has applied its seq; replies are released in seq order. A backup found down no
 * longer counts; with none left, writes complete at once (the primary goes on alone).
 */

interface Waiter {
  seq: number;
  reply: Buffer;
  resolve: (reply: Buffer) => void;
}

export class AckTracker {
  /** Highest seq each live backup acknowledged. */
  private readonly acked = new Map<number, number>();
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private released = 0;

  /** Starts counting a backup that has applied everything up to `ackedSeq`. */
  addBackup(index: number, ackedSeq: number): void {
    this.acked.set(index, ackedSeq);
  }

  /** Stops waiting for a backup (it is down). */
  removeBackup(index: number): void {
    if (this.acked.delete(index)) this.release();
  }

  /** A backup applied everything up to `seq`. Acks from unknown backups are ignored. */
  ack(index: number, seq: number): void {
    const before = this.acked.get(index);
    if (before === undefined || seq <= before) return;
    this.acked.set(index, seq);
    this.release();
  }

  /** A Promise of `reply`, resolved once every live backup applied `seq` (seqs arrive in order). */
  wait(seq: number, reply: Buffer): Promise<Buffer> {
    if (this.pending === 0 && seq <= this.safeSeq(seq)) {
      this.released = seq;
      return Promise.resolve(reply);
    }
    return new Promise((resolve) => this.waiters.push({ seq, reply, resolve }));
  }

  /** The highest seq every live backup has applied (`upTo` when there are none). */
  safeSeq(upTo: number): number {
    let min = upTo;
    for (const seq of this.acked.values()) if (seq < min) min = seq;
    return min;
  }

  /** Highest seq whose reply was released. */
  get releasedSeq(): number {
    return this.released;
  }

  get pending(): number {
    return this.waiters.length - this.head;
  }

  get backups(): number[] {
    return [...this.acked.keys()];
  }

  private release(): void {
    if (this.pending === 0) return;
    this.releaseUpTo(this.safeSeq(Number.MAX_SAFE_INTEGER));
  }

  private releaseUpTo(safe: number): void {
    const waiters = this.waiters;
    while (this.head < waiters.length && waiters[this.head].seq <= safe) {
      const waiter = waiters[this.head++];
      this.released = waiter.seq;
      waiter.resolve(waiter.reply);
    }
    if (this.head === waiters.length) {
      waiters.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > waiters.length) {
      waiters.splice(0, this.head);
      this.head = 0;
    }
  }
}
