import type { Store } from "../store/index.ts";
import { encodeCatchUpBegin, encodeEpochSeq, PbrFrame, WriteBatch, WriteOp, type ReplicatedWrite } from "./frames.ts";
import type { RemovalLog } from "./removal-log.ts";

/**
 * How a new primary brings the other surviving backup (the follower) up to date.
 *
 * Both backups received the old primary's writes in the same order, so the follower's store is
 * the new primary's store as it was at the follower's applied seq F. The keys written after F are:
 * items with CAS > F (a stored item's CAS is its write's seq), and the keys of the removes and
 * touches after F (from the RemovalLog). For each, the new primary sends the key's current state
 * (the item, or a remove), then CatchUpEnd with its own seq. A clear after F, or a RemovalLog that
 * no longer reaches back to F, makes it a full resync: the follower clears and receives every
 * item. The gap between two backups is the writes in flight on one link and not the other, so a
 * full resync is rare; it is sent in one go (the socket buffers it), which is fine for the sizes
 * of a gap but not for a full multi-GB store (a known limit).
 *
 * Everything is read and queued in one step of the event loop; later writes of the new primary
 * follow on the same FIFO link, so the follower applies them after the catch-up.
 */

export interface CatchUpSummary {
  full: boolean;
  /** Items sent (stores). */
  items: number;
  /** Removes sent. */
  removes: number;
}

export type SendFrame = (type: number, payload: Buffer) => void;

export function sendCatchUp(store: Store, log: RemovalLog, fromSeq: number, toSeq: number, epoch: number, send: SendFrame): CatchUpSummary {
  const full = !log.covers(fromSeq) || log.clearedAfter(fromSeq);
  const summary: CatchUpSummary = { full, items: 0, removes: 0 };
  send(PbrFrame.CatchUpBegin, encodeCatchUpBegin({ epoch, full }));
  const write: ReplicatedWrite = { epoch, seq: 0, op: WriteOp.Store, key: EMPTY, flags: 0, exptime: 0, cas: 0, value: EMPTY };
  const batch = new WriteBatch();
  const add = () => {
    batch.add(write);
    if (batch.bytes >= CATCH_UP_FRAME_BYTES) send(PbrFrame.Write, batch.take()!);
  };
  const sendItem = (handle: number) => {
    write.op = WriteOp.Store;
    write.key = store.key(handle);
    write.flags = store.flags(handle);
    write.exptime = store.exptime(handle);
    write.cas = store.cas(handle);
    write.value = store.value(handle);
    add();
    summary.items++;
  };
  if (!full) {
    log.forEachKeyAfter(fromSeq, (key) => {
      const handle = store.lookup(key, 0);
      if (handle >= 0) return sendItem(handle);
      write.op = WriteOp.Remove;
      write.key = key;
      write.value = EMPTY;
      add();
      summary.removes++;
    });
  }
  store.forEachItem((handle) => {
    if (full || store.cas(handle) > fromSeq) sendItem(handle);
  });
  const rest = batch.take();
  if (rest !== null) send(PbrFrame.Write, rest);
  send(PbrFrame.CatchUpEnd, encodeEpochSeq(epoch, toSeq));
  return summary;
}

const EMPTY = new Uint8Array(0);
/** Catch-up writes are sent in frames of about this size (see MAX_BATCH_BYTES in member.ts). */
const CATCH_UP_FRAME_BYTES = 256 * 1024;
