/**
 * Socket input without a fresh buffer and a stream event per read.
 *
 * A net.Socket read as a stream hands JavaScript a freshly malloc'd buffer (up to 64 KiB) for
 * every read and runs it through the Readable machinery. With one small request per read, that
 * was most of a plain process's user-space CPU per request (one plain process under memcaslap:
 * ~44k ops/s as a stream, ~50k ops/s read this way, same run). Node's `onread` option instead
 * reads into one buffer we supply and calls us directly.
 *
 * Each read is copied out of that buffer into one that is never written again, so a chunk handed
 * on stays valid for as long as anyone holds a view of it, as a stream's chunk does: the parser
 * and the backends keep views of lines and values across reads. (64 KiB slab pieces carved front
 * to back were tried and dropped: fig-memory's RSS growth while loading was 5-8 % above copies.)
 *
 * `onread` is public for the sockets net.connect makes, not for the ones a server accepts: those
 * are rebuilt around the accepted socket's handle (Node's `_handle`). Where that is not available
 * the socket is read as a stream, with the same result.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";

export type ChunkHandler = (chunk: Buffer) => void;

/** Node reads at most this much per read call into the shared buffer. */
const READ_BYTES = 64 * 1024;

/**
 * One read buffer for the whole process: every read is copied out of it before the next read
 * can happen (reads are delivered one at a time on the event loop).
 */
const sharedReadBuffer = Buffer.allocUnsafe(READ_BYTES);

/**
 * A copy of source[0, length) that nobody overwrites: Buffer.allocUnsafe gives reads under 4 KiB
 * a slice of Node's 8 KiB pool (never rewritten once handed out) and larger ones a buffer of
 * their own.
 */
function copyOfRead(source: Uint8Array, length: number): Buffer {
  const copy = Buffer.allocUnsafe(length);
  copy.set(length === source.length ? source : source.subarray(0, length));
  return copy;
}

function onreadOption(onChunk: ChunkHandler): OnReadOpts {
  return {
    buffer: sharedReadBuffer,
    callback: (bytes: number, buffer: Uint8Array) => {
      onChunk(copyOfRead(buffer, bytes));
      return true;
    },
  };
}

/** Options for net.connect: the socket's input goes to onChunk (no "data" events). */
export function sharedBufferReadOptions(onChunk: ChunkHandler): { onread: OnReadOpts } {
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
