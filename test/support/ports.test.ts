import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { freePorts } from "./ports.ts";

test("freePorts hands out distinct ports that can then be listened on", async () => {
  const ports = await freePorts(40);
  assert.equal(new Set(ports).size, 40);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(ports[0], "127.0.0.1", () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
