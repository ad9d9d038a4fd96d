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
 * A frame that arrives over many reads is joined once, when its last byte is there.
 */
export class FrameDecoder {
  /** Chunks of an incomplete frame, oldest first, and their total size. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Total size (header included) of the frame the parts belong to, once its length is known. */
  private wanted = 0;

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.partsBytes > 0) {
      this.parts.push(chunk);
      this.partsBytes += chunk.length;
      if (this.wanted === 0 && this.partsBytes >= 4) this.wanted = 4 + checkedLength(this.header4());
      if (this.wanted === 0 || this.partsBytes < this.wanted) return;
      chunk = Buffer.concat(this.parts, this.partsBytes);
      this.parts = [];
      this.partsBytes = 0;
      this.wanted = 0;
    }
    let pos = 0;
    while (chunk.length - pos >= 4) {
      const length = checkedLength(chunk.readUInt32BE(pos));
      if (chunk.length - pos - 4 < length) break;
      const version = chunk[pos + 4];
      if (version !== PEER_PROTOCOL_VERSION) throw new Error(`peer frame: expected protocol version ${PEER_PROTOCOL_VERSION}, found ${version}`);
      const type = chunk[pos + 5];
      const payload = chunk.subarray(pos + FRAME_HEADER_BYTES, pos + 4 + length);
      pos += 4 + length;
      this.onFrame(type, payload);
    }
    if (pos < chunk.length) {
      // Keep the incomplete tail; copy it when small, so a large chunk it came from can be freed.
      const tail = chunk.subarray(pos);
      this.parts = [tail.length < 4096 ? Buffer.from(tail) : tail];
      this.partsBytes = tail.length;
      this.wanted = tail.length >= 4 ? 4 + tail.readUInt32BE(0) : 0;
    }
  }

  /** Bytes received but not yet forming a whole frame. */
  get bufferedBytes(): number {
    return this.partsBytes;
  }

  /** The first four bytes of the pending parts (the length field may span chunks). */
  private header4(): number {
    const first = this.parts[0];
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.parts, this.partsBytes).readUInt32BE(0);
  }
}

function checkedLength(length: number): number {
  if (length < 2 || length > MAX_FRAME_BYTES) throw new Error(`peer frame: expected a length from 2 to ${MAX_FRAME_BYTES}, found ${length}`);
  return length;
}
