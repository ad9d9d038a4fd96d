/**
 * Socket input without a fresh buffer and a stream event per read.
 *
 * A net.Socket read as a stream hands JavaScript a freshly malloc'd buffer (up to 64 KiB) for
 * every read and runs it through the Readable machinery. With one small request per read, that
 * was most of a plain process's user-space CPU per request (one plain process under memcaslap:
 * ~44k ops/s as a stream, ~50k ops/s read this way, same run). Node's `onread` option instead
 * reads into one buffer we supply and calls us directly.
 *
 * A consumer says how long it needs a chunk (ChunkLifetime):
 * - "kept": each read is copied out of that buffer into one that is never written again, so a
 *   chunk stays valid for as long as anyone holds a view of it, as a stream's chunk does (for a
 *   protocol Backend that keeps views of what it is handed, the default; every mode's declares
 *   it does not). (64 KiB slab pieces carved front to back were tried and dropped: fig-memory's
 *   RSS growth while loading was 5-8 % above copies.)
 * - "lent": the chunk is a view of the shared buffer itself, valid only until the handler returns;
 *   the consumer copies what it keeps. No copy and no malloc per read: the copies' freed memory
 *   stayed resident in malloc's heap (one plain process loading 16 KB values: RSS growth 1.030-1.036
 *   per value byte with copies, 1.007-1.012 lent, same run of `npm run bench -- memory`).
 *
 * `onread` is public for the sockets net.connect makes, not for the ones a server accepts: those
 * are rebuilt around the accepted socket's handle (Node's `_handle`). Where that is not available
 * the socket is read as a stream, with the same result.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";

export type ChunkHandler = (chunk: Buffer) => void;

/** How long a ChunkHandler may use its chunk: for good ("kept"), or until it returns ("lent"). */
export type ChunkLifetime = "kept" | "lent";

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

/** A view of buffer[0, length) as a Buffer (Node hands onread callbacks the buffer we supplied). */
function lentView(buffer: Uint8Array, length: number): Buffer {
  return Buffer.from(buffer.buffer, buffer.byteOffset, length);
}

function onreadOption(onChunk: ChunkHandler, lifetime: ChunkLifetime): OnReadOpts {
  const chunkOf = lifetime === "lent" ? lentView : copyOfRead;
  return {
    buffer: sharedReadBuffer,
    callback: (bytes: number, buffer: Uint8Array) => {
      onChunk(chunkOf(buffer, bytes));
      return true;
    },
  };
}

/** Options for net.connect: the socket's input goes to onChunk (no "data" events), each chunk kept unless `lifetime` says "lent". */
export function sharedBufferReadOptions(onChunk: ChunkHandler, lifetime: ChunkLifetime = "kept"): { onread: OnReadOpts } {
  return { onread: onreadOption(onChunk, lifetime) };
}

/** What a server-accepted socket carries that this module needs. */
interface AcceptedHandle {
  useUserBuffer?: unknown;
}

/**
 * Reads a socket that a server accepted with `pauseOnConnect: true` into onChunk, and returns the
 * socket to use from now on (a new one around the same connection, or the accepted one itself
 * read as a stream, whose chunks are fresh buffers and so fit either lifetime). Chunks are kept
 * unless options.lifetime says "lent".
 */
export function adoptAcceptedSocket(accepted: Socket, onChunk: ChunkHandler, options: { allowHalfOpen: boolean; lifetime?: ChunkLifetime }): Socket {
  const holder = accepted as unknown as { _handle?: AcceptedHandle | null };
  const handle = holder._handle;
  if (handle !== null && handle !== undefined && typeof handle.useUserBuffer === "function" && !accepted.destroyed) {
    // `handle` and `onread` are options Node's Socket constructor takes but does not type.
    const socket = new Socket({ handle, allowHalfOpen: options.allowHalfOpen, onread: onreadOption(onChunk, options.lifetime ?? "kept") } as SocketConstructorOpts);
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
