/**
 * Socket input without a fresh buffer and a stream event per read.
 *
 * A net.Socket read as a stream hands JavaScript a freshly malloc'd buffer (up to 64 KiB) for
 * every read and runs it through the Readable machinery. With one small request per read, that
 * was most of a plain process's user-space CPU per request (one plain process under memcaslap:
 * 40k ops/s as a stream, 54k ops/s read this way, same run). Node's `onread` option instead reads
 * into one buffer we supply and calls us directly.
 *
 * The bytes are copied from that buffer into an input slab: 64 KiB pieces carved front to back and
 * never rewound. So a chunk handed on stays valid for as long as anyone holds a view of it, as a
 * stream's chunk does: the parser and the backends keep views of lines and values across reads.
 *
 * `onread` is public for the sockets net.connect makes, not for the ones a server accepts: those
 * are rebuilt around the accepted socket's handle (Node's `_handle`). Where that is not available
 * the socket is read as a stream, with the same result.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";

export type ChunkHandler = (chunk: Buffer) => void;

/** Size of one slab piece; a read never exceeds it (READ_BYTES). */
const SLAB_BYTES = 64 * 1024;
/** Node reads at most this much per read call into the shared buffer. */
const READ_BYTES = 64 * 1024;

/** Chunks carved from 64 KiB pieces that are never written again once handed out. */
export class InputSlab {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private position = 0;

  /** A copy of source[0, length) that nobody overwrites. */
  copy(source: Uint8Array, length: number): Buffer {
    if (SLAB_BYTES - this.position < length) {
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, length));
      this.position = 0;
    }
    const start = this.position;
    this.slab.set(length === source.length ? source : source.subarray(0, length), start);
    this.position += length;
    return this.slab.subarray(start, this.position);
  }
}

/**
 * One read buffer for the whole process: every read is copied out of it before the next read
 * can happen (reads are delivered one at a time on the event loop).
 */
const sharedReadBuffer = Buffer.allocUnsafe(READ_BYTES);
const slab = new InputSlab();

function onreadOption(onChunk: ChunkHandler): OnReadOpts {
  return {
    buffer: sharedReadBuffer,
    callback: (bytes: number, buffer: Uint8Array) => {
      onChunk(slab.copy(buffer, bytes));
      return true;
    },
  };
}

/** Options for net.connect: the socket's input goes to onChunk (no "data" events). */
export function slabReadOptions(onChunk: ChunkHandler): { onread: OnReadOpts } {
  return { onread: onreadOption(onChunk) };
}

/** What a server-accepted socket carries that this module needs. */
interface AcceptedHandle {
  useUserBuffer?: unknown;
}

/**
 * Reads a socket that a server accepted with `pauseOnConnect: true` into onChunk, and returns the
 * socket to use from now on (a new one around the same connection, or the accepted one itself
 * read as a stream).
 */
export function adoptAcceptedSocket(accepted: Socket, onChunk: ChunkHandler, options: { allowHalfOpen: boolean }): Socket {
  const holder = accepted as unknown as { _handle?: AcceptedHandle | null };
  const handle = holder._handle;
  if (handle !== null && handle !== undefined && typeof handle.useUserBuffer === "function" && !accepted.destroyed) {
    // `handle` and `onread` are options Node's Socket constructor takes but does not type.
    const socket = new Socket({ handle, allowHalfOpen: options.allowHalfOpen, onread: onreadOption(onChunk) } as SocketConstructorOpts);
    // The connection now belongs to `socket`. Destroying the accepted socket without its handle
    // closes nothing; it only settles the server's connection count, which counted it.
    holder._handle = null;
    accepted.destroy();
    return socket;
  }
  accepted.on("data", onChunk);
  accepted.resume();
  return accepted;
}
