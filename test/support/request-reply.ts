import { connect } from "node:net";

/**
 * Sends one request over a fresh TCP connection and resolves with the reply once it ends with
 * `until` (a string) or matches it (a RegExp). Rejects with what arrived if it is not complete
 * within `timeoutMs`.
 */
export function requestReply(host: string, port: number, request: string, until: string | RegExp = "\r\n", timeoutMs = 5000): Promise<string> {
  const complete = typeof until === "string" ? (reply: string) => reply.endsWith(until) : (reply: string) => until.test(reply);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply from ${host}:${port} to ${JSON.stringify(request.slice(0, 100))} within ${timeoutMs} ms; got ${JSON.stringify(reply)}`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
      if (complete(reply)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(request);
  });
}
