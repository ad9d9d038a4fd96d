/**
 * Peer frames: the binary protocol between server processes (replication, parity updates,
 * recovery, heartbeats), on connections of their own, separate from client traffic.
 *
 *   u32 length (of everything after this field) | u8 version | u8 type | payload
 *
 * The frame type's meaning belongs to the mode (pbr, cocytus); types 0..15 are reserved here.
 */

export const PEER_PROTOCOL_VERSION = 1;
/** Header bytes: u32 length + u8 version + u8 type. */
export const FRAME_HEADER_BYTES = 6;
/** A frame larger than this is a protocol error (a corrupt length would otherwise allocate freely). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Frame types shared by every mode. Modes number their own types from 16 up. */
export const FrameType = {
  /** First frame on a connection: who is speaking (see encodeHello). */
  Hello: 1,
  /** Keep-alive; carries nothing. */
  Heartbeat: 2,
} as const;

/** Builds one frame as a single Buffer. */
export function encodeFrame(type: number, payload: Uint8Array = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length + 2, 0);
  frame[4] = PEER_PROTOCOL_VERSION;
  frame[5] = type;
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

const EMPTY = new Uint8Array(0);

/**
 * Splits a byte stream into frames. Feed it socket chunks; it calls onFrame(type, payload) for
 * each whole frame. The payload is a view that is valid only during the call (copy to keep it).
 * A wrong version or an oversized length throws: the caller closes the connection.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    while (data.length - pos >= 4) {
      const length = data.readUInt32BE(pos);
      if (length < 2 || length > MAX_FRAME_BYTES) throw new Error(`peer frame: expected a length from 2 to ${MAX_FRAME_BYTES}, found ${length}`);
      if (data.length - pos - 4 < length) break;
      const version = data[pos + 4];
      if (version !== PEER_PROTOCOL_VERSION) throw new Error(`peer frame: expected protocol version ${PEER_PROTOCOL_VERSION}, found ${version}`);
      const type = data[pos + 5];
      const payload = data.subarray(pos + FRAME_HEADER_BYTES, pos + 4 + length);
      pos += 4 + length;
      this.onFrame(type, payload);
    }
    // Keep only the unconsumed tail; copy it so the big chunk it came from can be freed.
    this.pending = pos === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(pos));
    data = this.pending;
  }

  /** Bytes received but not yet forming a whole frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}
