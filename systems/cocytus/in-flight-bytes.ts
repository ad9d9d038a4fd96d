/**
 * The bytes a data process keeps for its requests in flight: each request's key and new value,
 * from step 2 (sent to the parity processes) to step 4 (written in place). They are copied here
 * out of the connection's input, so the protocol engine can read the connection lent (straight
 * from one shared read buffer) instead of copying every read into a buffer of its own that a
 * request's views would then pin until it completes: after a fig-memory --fast load, those
 * copies had grown malloc's heap by ~1.7 MB per data process (Zipf).
 *
 * Requests complete in timestamp order, so the bytes are freed first in, first out. They are
 * appended to fixed-size blocks; a block whose requests have all completed is emptied and reused
 * (a few are kept spare), so a steady load allocates nothing, and what is held follows the bytes
 * in flight. A request larger than a block gets a block of its own, dropped once it completes.
 */

/** A block of request bytes; `live` counts the requests with bytes in it. */
export interface InFlightBlock {
  readonly buffer: Buffer;
  used: number;
  live: number;
}

export const IN_FLIGHT_BLOCK_BYTES = 256 * 1024;
/** Emptied blocks kept for reuse beyond the one being filled. */
const SPARE_BLOCKS = 3;

export class InFlightBytes {
  private current: InFlightBlock;
  private readonly spare: InFlightBlock[] = [];
  /** Blocks allocated so far (for tests and accounting). */
  blocksAllocated = 0;
  /** Bytes of the blocks allocated and not yet dropped. */
  private blockBytesHeld = 0;

  constructor(private readonly blockBytes = IN_FLIGHT_BLOCK_BYTES) {
    if (!(Number.isSafeInteger(blockBytes) && blockBytes > 0)) throw new RangeError(`InFlightBytes: blockBytes must be a positive integer, found ${blockBytes}`);
    this.current = this.newBlock(blockBytes);
  }

  /**
   * Copies `parts` one after the other into fresh bytes held until release(block); returns the
   * block and a view of each copy.
   */
  hold(parts: readonly Uint8Array[]): { block: InFlightBlock; views: Buffer[] } {
    let length = 0;
    for (const part of parts) length += part.length;
    const block = this.blockFor(length);
    const views: Buffer[] = [];
    for (const part of parts) {
      const view = block.buffer.subarray(block.used, block.used + part.length);
      view.set(part);
      block.used += part.length;
      views.push(view);
    }
    block.live++;
    return { block, views };
  }

  /** The request that held bytes in `block` completed: its bytes may be reused. */
  release(block: InFlightBlock): void {
    if (block.live <= 0) throw new Error("InFlightBytes: released a block with no request holding it");
    if (--block.live > 0) return;
    block.used = 0;
    if (block === this.current) return;
    if (block.buffer.length === this.blockBytes && this.spare.length < SPARE_BLOCKS) this.spare.push(block);
    else this.blockBytesHeld -= block.buffer.length;
  }

  /** Bytes of the blocks being filled, held by requests in flight, or spare (the memory this costs). */
  get heldBytes(): number {
    return this.blockBytesHeld;
  }

  private blockFor(length: number): InFlightBlock {
    if (length > this.blockBytes) return this.newBlock(length);
    if (this.current.used + length > this.blockBytes) {
      // The current block goes on living until its requests complete; release() then recycles it.
      this.current = this.spare.pop() ?? this.newBlock(this.blockBytes);
    }
    return this.current;
  }

  private newBlock(bytes: number): InFlightBlock {
    this.blocksAllocated++;
    this.blockBytesHeld += bytes;
    return { buffer: Buffer.allocUnsafe(bytes), used: 0, live: 0 };
  }
}
