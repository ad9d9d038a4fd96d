/**
 * memcached's reply lines, as ready-made Buffers (a reply is always whole lines ending in "\r\n").
 * Backends return these, and the engine counts hits and misses by identity, so return the
 * constant rather than an equal copy.
 */

function line(text: string): Buffer {
  return Buffer.from(`${text}\r\n`, "latin1");
}

export const Replies = {
  STORED: line("STORED"),
  NOT_STORED: line("NOT_STORED"),
  EXISTS: line("EXISTS"),
  NOT_FOUND: line("NOT_FOUND"),
  DELETED: line("DELETED"),
  TOUCHED: line("TOUCHED"),
  OK: line("OK"),
  END: line("END"),
  RESET: line("RESET"),
  ERROR: line("ERROR"),
  /** Nothing to send (noreply, or a quiet internal mutation). */
  NONE: Buffer.alloc(0),
  BAD_FORMAT: line("CLIENT_ERROR bad command line format"),
  BAD_DATA_CHUNK: line("CLIENT_ERROR bad data chunk"),
  BAD_DELETE_FORMAT: line("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"),
  INVALID_EXPTIME: line("CLIENT_ERROR invalid exptime argument"),
  INVALID_DELTA: line("CLIENT_ERROR invalid numeric delta argument"),
  NON_NUMERIC: line("CLIENT_ERROR cannot increment or decrement non-numeric value"),
  STATS_DETAIL_USAGE: line("CLIENT_ERROR usage: stats detail on|off|dump"),
  TOO_LARGE: line("SERVER_ERROR object too large for cache"),
  OUT_OF_MEMORY: line("SERVER_ERROR out of memory storing object"),
  SHUTDOWN_DISABLED: line("ERROR: shutdown not enabled"),
} as const;

/** A SERVER_ERROR reply for a failure inside a backend (the message is made single-line). */
export function serverError(message: string): Buffer {
  return line(`SERVER_ERROR ${message.replace(/[\r\n]+/g, " ")}`);
}
