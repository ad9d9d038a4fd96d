import { connect } from "node:net";

/**
 * One write of a raw exchange: bytes, or a function of what was received so far (to use a CAS
 * value from an earlier reply). `waitFor` holds the next step until the replies received since
 * this step contain that text.
 */
export interface RawStep {
  send: string | Buffer | ((received: Buffer) => string | Buffer);
  waitFor?: string;
  /** Pause after this write (default: the exchange's pauseMs), so the next one is a separate read. */
  pauseMs?: number;
}

export interface RawExchange {
  /** Every byte the server sent. */
  received: Buffer;
  /** The server closed (or reset) the connection before we closed our side. */
  closedByServer: boolean;
}

export interface RawExchangeOptions {
  pauseMs?: number;
  /** Give up (and fail) after this long. */
  timeoutMs?: number;
}

/**
 * Sends `steps` over one TCP connection, pausing between writes, then half-closes and reads until
 * the server closes: the reply bytes of exactly that input, however the server chunks them.
 */
export function rawExchange(host: string, port: number, steps: RawStep[], options: RawExchangeOptions = {}): Promise<RawExchange> {
  const pauseMs = options.pauseMs ?? 15;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true, noDelay: true });
    const chunks: Buffer[] = [];
    let received = 0;
    let serverClosed = false;
    let weEnded = false;
    let closedByServer = false;
    let wake: (() => void) | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`rawExchange: no close from ${host}:${port} within ${timeoutMs} ms; received ${JSON.stringify(Buffer.concat(chunks).toString("latin1").slice(0, 300))}`));
    }, timeoutMs);
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      notify();
    });
    const markClosed = () => {
      if (!serverClosed && !weEnded) closedByServer = true;
      serverClosed = true;
      notify();
    };
    socket.on("end", () => {
      markClosed();
      socket.end();
    });
    socket.on("error", () => {
      markClosed();
      socket.destroy();
    });
    socket.on("close", () => {
      markClosed();
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), closedByServer });
    });
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    const until = async (condition: () => boolean) => {
      while (!condition() && !serverClosed) await new Promise<void>((r) => (wake = r));
    };
    socket.once("connect", async () => {
      for (const step of steps) {
        if (serverClosed) break;
        const before = received;
        const bytes = typeof step.send === "function" ? step.send(Buffer.concat(chunks)) : step.send;
        socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
        if (step.waitFor !== undefined) {
          const marker = step.waitFor;
          await until(() => Buffer.concat(chunks).subarray(before).includes(marker, 0, "latin1"));
        }
        await sleep(step.pauseMs ?? pauseMs);
      }
      if (!serverClosed) {
        weEnded = true;
        socket.end();
      }
    });
  });
}
