import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import type { RunningProcess } from "../../test/support/process.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { readStats, startPlainProcess } from "./test-servers.ts";

// Clients that misbehave on purpose, against our plain server as a child process: memory must
// stay bounded, nothing may leak, and well-behaved clients must be served meanwhile.
let server: RunningProcess;

before(async () => {
  server = await startPlainProcess();
});

after(async () => {
  await server?.stop();
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port, noDelay: true });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rss(): Promise<number> {
  return Number((await readStats(server.host, server.port)).get("rss"));
}

async function setAndGet(key: string, value: string): Promise<string> {
  const { received } = await rawExchange(server.host, server.port, [{ send: `set ${key} 0 0 ${value.length}\r\n${value}\r\nget ${key}\r\n` }], { pauseMs: 0 });
  return received.toString();
}

test("clients that declare 1 GiB values and stream part of them keep memory bounded while others are served", async (t) => {
  const before = await rss();
  const hogs: Socket[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const socket = await open();
      socket.on("error", () => {});
      socket.write(`set huge${i} 0 0 1073741824\r\n`);
      hogs.push(socket);
    }
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    for (let round = 0; round < 60; round++) {
      for (const socket of hogs) socket.write(chunk);
      await sleep(10);
    }
    assert.equal(await setAndGet("bystander", "fine"), "STORED\r\nVALUE bystander 0 4\r\nfine\r\nEND\r\n");
    const growth = (await rss()) - before;
    t.diagnostic(`RSS growth ${(growth / 1048576).toFixed(1)} MiB`);
    // 300 MiB were sent into the void (of 20 GiB declared); none of it may be kept.
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB while 20 clients streamed 300 MiB of oversized values`);
  } finally {
    for (const socket of hogs) socket.destroy();
  }
  const { received } = await rawExchange(server.host, server.port, [{ send: "get huge0 huge19\r\n" }], { pauseMs: 0 });
  assert.equal(received.toString(), "END\r\n");
});

test("clients that disconnect in the middle of a value store nothing and leak nothing", async (t) => {
  assert.equal(await setAndGet("survivor", "still here"), "STORED\r\nVALUE survivor 0 10\r\nstill here\r\nEND\r\n");
  const before = await rss();
  const partial = Buffer.alloc(600_000, 0x62);
  for (let round = 0; round < 10; round++) {
    const sockets = await Promise.all(Array.from({ length: 30 }, () => open()));
    sockets.forEach((socket, i) => {
      socket.on("error", () => {});
      socket.write(`set torn${round}x${i} 0 0 1000000\r\n`);
      socket.write(partial);
    });
    await sleep(30);
    for (const socket of sockets) socket.destroy();
    await sleep(10);
  }
  // The server sees the resets a little later; give it up to 5 s on this shared machine.
  let stats = await readStats(server.host, server.port);
  for (let waited = 0; stats.get("curr_connections") !== "1" && waited < 5000; waited += 100) {
    await sleep(100);
    stats = await readStats(server.host, server.port);
  }
  assert.equal(stats.get("curr_connections"), "1", "every torn connection was closed and counted");
  const growth = Number(stats.get("rss")) - before;
  t.diagnostic(`RSS growth ${(growth / 1048576).toFixed(1)} MiB`);
  // 300 half-sent 1 MB values (180 MB received): a leak would show as hundreds of MiB.
  assert.ok(growth < 120 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB after 300 torn values`);
  const { received } = await rawExchange(server.host, server.port, [{ send: "get torn0x0 torn9x29 survivor\r\n" }], { pauseMs: 0 });
  assert.equal(received.toString(), "VALUE survivor 0 10\r\nstill here\r\nEND\r\n");
});

test("a client that never reads its replies stops being read, without stalling other clients", async () => {
  const greedy = await open();
  greedy.on("error", () => {});
  greedy.pause();
  assert.equal(await setAndGet("payload", "x".repeat(100_000)), `STORED\r\nVALUE payload 0 100000\r\n${"x".repeat(100_000)}\r\nEND\r\n`);
  const request = Buffer.from("get payload\r\n".repeat(1000));
  for (let i = 0; i < 20; i++) greedy.write(request);
  await sleep(300);
  const before = await rss();
  for (let i = 0; i < 20; i++) greedy.write(request);
  await sleep(300);
  const growth = (await rss()) - before;
  assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB for replies nobody reads`);
  assert.equal(await setAndGet("other", "served"), "STORED\r\nVALUE other 0 6\r\nserved\r\nEND\r\n");
  greedy.destroy();
});
