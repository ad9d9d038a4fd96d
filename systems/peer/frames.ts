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
 *
 * The chunks fed to it may be lent (overwritten once push returns, as a peer link's socket input
 * is, see PeerLink): a frame that does not arrive whole in one chunk is gathered in an assembly
 * buffer of the decoder's own, reused from frame to frame, so no buffer is allocated per read.
 */
export class FrameDecoder {
  /** Where a frame split across chunks is gathered; bytes [0, assembled) are its start. */
  private assembly: Buffer = Buffer.allocUnsafe(0);
  private assembled = 0;
  /** Total size (header included) of the frame being gathered, once its length field is in (else 0). */
  private wanted = 0;

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.assembled > 0) {
      pos = this.gather(chunk, 0);
      if (this.assembled < Math.max(this.wanted, 4)) return;
      const frame = this.assembly.subarray(0, this.wanted);
      this.assembled = 0;
      this.wanted = 0;
      this.deliver(frame, 0);
      // A frame far above the usual size (a recovery batch) does not keep its assembly buffer.
      if (this.assembly.length > ASSEMBLY_KEPT_BYTES) this.assembly = Buffer.allocUnsafe(0);
    }
    while (chunk.length - pos >= 4) {
      const total = 4 + checkedLength(chunk.readUInt32BE(pos));
      if (chunk.length - pos < total) break;
      pos = this.deliver(chunk, pos);
    }
    if (pos < chunk.length) this.gather(chunk, pos);
  }

  /** Bytes received but not yet forming a whole frame. */
  get bufferedBytes(): number {
    return this.assembled;
  }

  /** Copies the frame's next bytes from chunk[pos..] into the assembly buffer; returns where it stopped. */
  private gather(chunk: Buffer, pos: number): number {
    if (this.wanted === 0) {
      const take = Math.min(4 - this.assembled, chunk.length - pos);
      this.reserve(4);
      chunk.copy(this.assembly, this.assembled, pos, pos + take);
      this.assembled += take;
      pos += take;
      if (this.assembled < 4) return pos;
      this.wanted = 4 + checkedLength(this.assembly.readUInt32BE(0));
      this.reserve(this.wanted);
    }
    const take = Math.min(this.wanted - this.assembled, chunk.length - pos);
    chunk.copy(this.assembly, this.assembled, pos, pos + take);
    this.assembled += take;
    return pos + take;
  }

  /** Grows the assembly buffer to hold `bytes`, keeping what is gathered. */
  private reserve(bytes: number): void {
    if (this.assembly.length >= bytes) return;
    // Slow: a buffer of its own, not a slice of Node's shared pool that it would keep alive.
    const grown = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * this.assembly.length, 256));
    this.assembly.copy(grown, 0, 0, this.assembled);
    this.assembly = grown;
  }

  /** Hands on the whole frame at buf[pos..]; returns the position after it. */
  private deliver(buf: Buffer, pos: number): number {
    const end = pos + 4 + buf.readUInt32BE(pos);
    const version = buf[pos + 4];
    if (version !== PEER_PROTOCOL_VERSION) throw new Error(`peer frame: expected protocol version ${PEER_PROTOCOL_VERSION}, found ${version}`);
    this.onFrame(buf[pos + 5], buf.subarray(pos + FRAME_HEADER_BYTES, end));
    return end;
  }
}

/**
 * An assembly buffer grown beyond this (a recovery batch) is dropped after its frame; pbr's write
 * batches (up to 256 KiB) and cocytus's update batches (32 KiB) stay below it.
 */
const ASSEMBLY_KEPT_BYTES = 1024 * 1024;

function checkedLength(length: number): number {
  if (length < 2 || length > MAX_FRAME_BYTES) throw new Error(`peer frame: expected a length from 2 to ${MAX_FRAME_BYTES}, found ${length}`);
  return length;
}
