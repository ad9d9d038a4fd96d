import { createServer } from "node:net";

/** Asks the kernel for a free TCP port on `host` (bind to port 0, read it, close). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`freePort: expected an AddressInfo for ${host}, found ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
