import { MAX_KEY_BYTES } from "../store/index.ts";

/**
 * The recent writes a catch-up cannot find by CAS: removes, touches and clears, with their seq.
 *
 * Catch-up (catch-up.ts) brings a follower from seq F to the new primary's seq: items stored after
 * F carry a CAS > F and are found by a scan of the store; a removed key leaves nothing to scan
 * and a touch keeps the CAS, so those keys come from here. The log is a fixed ring (default 4096
 * entries, 1 MiB of key slots, allocated at the first entry: a load of sets never touches it);
 * when an entry is overwritten, catch-ups from before its seq fall back to a full resync.
 */
export class RemovalLog {
  private seqs: Float64Array | null = null;
  /** Key length per entry; 0 marks a clear. */
  private lengths: Uint8Array | null = null;
  private keys: Uint8Array | null = null;
  private next = 0;
  private size = 0;
  /** Every entry with a seq above this is still in the ring. */
  private coveredAfter = 0;

  constructor(readonly capacity = 4096) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`RemovalLog: capacity must be a positive integer, found ${capacity}`);
  }

  /** Records a remove or a touch of `key` at `seq` (seqs arrive in increasing order). */
  record(seq: number, key: Uint8Array): void {
    const slot = this.claim(seq);
    this.lengths![slot] = key.length;
    this.keys!.set(key, slot * MAX_KEY_BYTES);
  }

  /** Records a clear (flush_all) at `seq`. */
  recordClear(seq: number): void {
    this.lengths![this.claim(seq)] = 0;
  }

  /** Forgets everything up to `seq` (a catch-up rewrote this member's history up to there). */
  forgetThrough(seq: number): void {
    this.coveredAfter = Math.max(this.coveredAfter, seq);
  }

  /** Whether every remove, touch and clear after `fromSeq` is still here. */
  covers(fromSeq: number): boolean {
    return fromSeq >= this.coveredAfter;
  }

  /** Whether a clear happened after `fromSeq`. */
  clearedAfter(fromSeq: number): boolean {
    let found = false;
    this.forEachEntry(fromSeq, (length) => {
      if (length === 0) found = true;
    });
    return found;
  }

  /** Calls fn with the key of every remove and touch after `fromSeq` (a view, valid during the call). */
  forEachKeyAfter(fromSeq: number, fn: (key: Buffer) => void): void {
    const keys = this.keys;
    if (keys === null) return;
    this.forEachEntry(fromSeq, (length, slot) => {
      if (length > 0) fn(Buffer.from(keys.buffer, keys.byteOffset + slot * MAX_KEY_BYTES, length));
    });
  }

  private forEachEntry(fromSeq: number, fn: (length: number, slot: number) => void): void {
    if (this.seqs === null) return;
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let n = 0; n < this.size; n++) {
      const slot = (start + n) % this.capacity;
      if (this.seqs[slot] > fromSeq) fn(this.lengths![slot], slot);
    }
  }

  private claim(seq: number): number {
    if (this.seqs === null) {
      this.seqs = new Float64Array(this.capacity);
      this.lengths = new Uint8Array(this.capacity);
      this.keys = new Uint8Array(this.capacity * MAX_KEY_BYTES);
    }
    const slot = this.next;
    if (this.size === this.capacity) this.coveredAfter = Math.max(this.coveredAfter, this.seqs[slot]);
    else this.size++;
    this.seqs[slot] = seq;
    this.next = (slot + 1) % this.capacity;
    return slot;
  }
}
