/** Reads a memcached-protocol server's `stats` (ours or native memcached) over one TCP connection. */
import { connect } from "node:net";

export type ServerStats = Record<string, string>;

/** Sends `stats`, returns the STAT name/value pairs; rejects naming host:port on error or after `timeoutMs`. */
export async function readServerStats(host: string, port: number, timeoutMs = 5000): Promise<ServerStats> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = "";
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`stats from ${host}:${port}: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no END within ${timeoutMs} ms (received ${text.length} bytes)`), timeoutMs);
    socket.setEncoding("latin1");
    socket.once("connect", () => socket.write("stats\r\n"));
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > 1_000_000) return fail("expected STAT lines and END, received more than 1 MB");
      if (!(text === "END\r\n" || text.endsWith("\r\nEND\r\n"))) {
        if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)/m.test(text) && text.endsWith("\r\n")) fail(`expected STAT lines, found ${JSON.stringify(text.slice(0, 200))}`);
        return;
      }
      clearTimeout(timer);
      socket.end("quit\r\n");
      try {
        resolve(parseStats(text));
      } catch (error) {
        reject(new Error(`stats from ${host}:${port}: ${(error as Error).message}`));
      }
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      fail(error.message);
    });
  });
}

/** "STAT pid 12\r\nSTAT bytes 40\r\nEND\r\n" -> { pid: "12", bytes: "40" }. */
export function parseStats(text: string): ServerStats {
  const stats: ServerStats = {};
  for (const line of text.split("\r\n")) {
    if (line === "" || line === "END") continue;
    const match = /^STAT (\S+) (.*)$/.exec(line);
    if (!match) throw new Error(`expected "STAT <name> <value>" or END, found ${JSON.stringify(line.slice(0, 200))}`);
    stats[match[1]] = match[2];
  }
  return stats;
}

/** A numeric stat, or undefined when the server does not report it (e.g. native memcached's parity_bytes). */
export function numericStat(stats: ServerStats, name: string): number | undefined {
  const text = stats[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
