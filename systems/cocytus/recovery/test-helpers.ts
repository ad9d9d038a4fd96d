/**
 * Small helpers of the recovery tests and benchmark on real groups: a member's `stats`, waiting
 * for a condition with a bound, and keys that route to a given data index.
 */
import { connect } from "node:net";
import { route } from "../../routing/router.ts";

/** A member's `stats` reply as fields. */
export function memberStats(host: string, port: number, timeoutMs = 2000): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`stats: no reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => socket.write("stats\r\n"));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (!text.endsWith("END\r\n")) return;
      clearTimeout(timer);
      socket.destroy();
      const fields: Record<string, string> = {};
      for (const line of text.split("\r\n")) {
        const [word, name, ...rest] = line.split(" ");
        if (word === "STAT") fields[name] = rest.join(" ");
      }
      resolve(fields);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Polls `probe` every 20 ms until it gives a value (errors count as "not yet"); throws after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `count` keys named `<prefix><n>` that route to data index `member` of a one-group deployment. */
export function keysOfMember(prefix: string, member: number, k: number, count: number): string[] {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n++) {
    const key = `${prefix}${n}`;
    if (route(Buffer.from(key, "latin1"), { mode: "cocytus", groups: 1, k }).member === member) keys.push(key);
  }
  return keys;
}
