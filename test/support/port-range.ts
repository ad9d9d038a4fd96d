import { createServer } from "node:net";

async function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A base port such that base .. base+count-1 are free on every host (e.g. the local cluster's
 * 127.0.1.x nodes). Bases are drawn below the kernel's ephemeral range (32768+) so outgoing
 * connections do not take them in the meantime.
 */
export async function freePortRange(hosts: readonly string[], count: number, attempts = 50): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) {
      for (const host of hosts) {
        if (!(await canListen(host, port))) {
          free = false;
          break;
        }
      }
    }
    if (free) return base;
  }
  throw new Error(`freePortRange: no ${count} consecutive free ports on ${hosts.join(", ")} after ${attempts} attempts`);
}
