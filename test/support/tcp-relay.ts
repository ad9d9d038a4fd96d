/**
 * A TCP relay on loopback for fault-injection tests: clients dial the relay, which dials the
 * target and copies bytes both ways. hold() stops delivering what clients send (the bytes wait in
 * the relay, as if still in flight); when either side of a connection closes, the other side is
 * cut and held bytes are dropped, as they would be lost with a crashed sender.
 */
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface TcpRelay {
  readonly host: string;
  readonly port: number;
  /** Holds back bytes from clients to the target from now on. */
  hold(): void;
  /** Delivers the held bytes and forwards again. */
  release(): void;
  /** Bytes currently held. */
  readonly heldBytes: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  target: Socket;
  held: Buffer[];
}

export async function startTcpRelay(targetHost: string, targetPort: number, host = "127.0.0.1"): Promise<TcpRelay> {
  const pairs = new Set<Pair>();
  let holding = false;
  const server = createServer((client) => {
    client.setNoDelay(true);
    const target = connect({ host: targetHost, port: targetPort });
    target.setNoDelay(true);
    const pair: Pair = { client, target, held: [] };
    pairs.add(pair);
    const cut = () => {
      pair.held.length = 0;
      pairs.delete(pair);
      client.destroy();
      target.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      if (holding) pair.held.push(chunk);
      else target.write(chunk);
    });
    target.on("data", (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, target]) {
      socket.on("close", cut);
      socket.on("error", cut);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const pair of pairs) for (const chunk of pair.held.splice(0)) pair.target.write(chunk);
    },
    get heldBytes() {
      let bytes = 0;
      for (const pair of pairs) for (const chunk of pair.held) bytes += chunk.length;
      return bytes;
    },
    close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.target.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
