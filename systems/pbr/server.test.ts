import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError, type ServerOptions } from "../server/options.ts";
import { startPbrServer } from "./server.ts";

const base: ServerOptions = { mode: "pbr", host: "127.0.0.1", port: 0, memoryMb: 8, maxItemSize: 1024 * 1024 };
const peers = [
  { host: "127.0.0.1", port: 1 },
  { host: "127.0.0.1", port: 2 },
  { host: "127.0.0.1", port: 3 },
];

test("a pbr server refuses a command line without its group options, saying which is missing or wrong", async () => {
  const refused = async (options: Partial<ServerOptions>, message: RegExp) => {
    await assert.rejects(startPbrServer({ ...base, ...options }), (error: Error) => error instanceof UsageError && message.test(error.message));
  };
  await refused({ index: 0, peers }, /--group is required/);
  await refused({ group: 0, peers }, /--index is required/);
  await refused({ group: 0, index: 0 }, /--peers must list every member of the group .* found 0 entries/);
  await refused({ group: 0, index: 3, peers }, /--index must be below the 3 members in --peers, found 3/);
  await refused({ group: 0, index: 1, peers, peerPort: 9 }, /--peer-port 9 must equal this member's entry in --peers \(index 1: 127.0.0.1:2\)/);
});
