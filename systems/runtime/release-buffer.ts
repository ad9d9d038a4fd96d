/**
 * Giving back the memory of a large buffer that has just died, without waiting for a full
 * collection.
 *
 * A long-lived ArrayBuffer (an index table, say) sits in V8's old generation, and its memory is
 * freed only when a full collection finds it dead. The heaps of our servers are small, so full
 * collections are rare: the tables a growing index left behind stayed in RSS, a few MB per
 * process and more or less of them depending on when V8 last collected (a cocytus parity process
 * gave back up to 17 MB when forced to collect after loading). That is memory charged to the
 * scheme and noise in fig-memory.
 *
 * structuredClone with `transfer` moves the backing store, without copying it, into a new
 * ArrayBuffer that nothing references and that lives in the young generation: the next
 * young-generation collection (the read-buffer collector asks for one every 256 KiB of input)
 * frees it. The old buffer is left detached, with length 0.
 */

/** Frees `buffer`'s memory at the next young-generation collection. Nothing may use it afterwards. */
export function releaseBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0) return;
  structuredClone(buffer, { transfer: [buffer] });
}
