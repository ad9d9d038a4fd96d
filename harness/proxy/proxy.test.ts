import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import { hasNativeMemcached, startNativeMemcached } from "../../test/support/memcached.ts";
import type { RunningProcess } from "../../test/support/process.ts";
import { routeKey, type RoutingShape } from "../../systems/routing/router.ts";
import type { ProcessInfo, Role } from "../deploy/types.ts";
import { startProxy, type RunningProxy } from "./proxy.ts";

/** Writes a script (ending in quit) and returns everything the server sent until it closed. */
async function converse(port: number, script: string | Buffer, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from ${host}:${port} within 5 s; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`));
    }, 5000);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(Buffer.concat([Buffer.isBuffer(script) ? script : Buffer.from(script, "latin1"), Buffer.from("quit\r\n")]));
  });
}

function row(id: string, role: Role, group: number, index: number, server: RunningProcess): ProcessInfo {
  return { id, node: index, role, group, index, host: server.host, port: server.port, pid: server.child.pid ?? 0 };
}

const skip = !hasNativeMemcached() && "native memcached is not installed";
const servers: RunningProcess[] = [];

before(async () => {
  if (skip) return;
  for (let i = 0; i < 4; i++) servers.push(await startNativeMemcached());
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function withProxy(shape: RoutingShape, processes: ProcessInfo[], body: (proxy: RunningProxy) => Promise<void>, refresh?: Parameters<typeof startProxy>[0]["refresh"]): Promise<void> {
  const proxy = await startProxy({ port: 0, shape, processes, refresh, timeoutMs: 2000 });
  try {
    await body(proxy);
  } finally {
    await proxy.close();
  }
}

/** Keys spread over every route of the shape (first few keys found for each). */
function keysPerRoute(shape: RoutingShape, perRoute: number): Map<string, string[]> {
  const byRoute = new Map<string, string[]>();
  for (let i = 0; i < 10_000; i++) {
    const key = `user${i}`;
    const r = routeKey(key, shape);
    const name = `${r.group}/${r.member}`;
    const list = byRoute.get(name) ?? [];
    if (list.length < perRoute) list.push(key);
    byRoute.set(name, list);
  }
  return byRoute;
}

test("a key set through the proxy is stored on the process that owns it and on no other", { skip }, async () => {
  const shape: RoutingShape = { mode: "plain", groups: 3 };
  const processes = [0, 1, 2].map((p) => row(`plain-${p}`, "plain", p, 0, servers[p]));
  await withProxy(shape, processes, async (proxy) => {
    await converse(proxy.port, "flush_all\r\n");
    const keys = keysPerRoute(shape, 2);
    assert.equal(keys.size, 3);
    for (const list of keys.values()) for (const key of list) assert.equal(await converse(proxy.port, `set ${key} 5 0 ${key.length}\r\n${key}\r\n`), "STORED\r\n");
    for (const [name, list] of keys) {
      const owner = Number(name.split("/")[0]);
      for (const key of list) {
        for (let p = 0; p < 3; p++) {
          const direct = await converse(servers[p].port, `get ${key}\r\n`);
          assert.equal(direct, p === owner ? `VALUE ${key} 5 ${key.length}\r\n${key}\r\nEND\r\n` : "END\r\n", `${key} on process ${p} (owner ${owner})`);
        }
      }
    }
  });
});

test("a multi-key get across processes returns the values in the order asked, misses and repeats included", { skip }, async () => {
  const shape: RoutingShape = { mode: "plain", groups: 3 };
  const processes = [0, 1, 2].map((p) => row(`plain-${p}`, "plain", p, 0, servers[p]));
  await withProxy(shape, processes, async (proxy) => {
    await converse(proxy.port, "flush_all\r\n");
    const keys = [...keysPerRoute(shape, 2).values()].flat();
    let script = "";
    for (const key of keys) script += `set ${key} 0 0 ${key.length + 1}\r\n${key}!\r\n`;
    await converse(proxy.port, script);
    const asked = [keys[3], "missing-key", keys[0], keys[5], keys[3], keys[1], keys[2], keys[4]];
    const expected = asked.filter((k) => k !== "missing-key").map((k) => `VALUE ${k} 0 ${k.length + 1}\r\n${k}!\r\n`).join("") + "END\r\n";
    assert.equal(await converse(proxy.port, `get ${asked.join(" ")}\r\n`), expected);
    const gets = await converse(proxy.port, `gets ${keys[0]} ${keys[5]}\r\n`);
    assert.match(gets, new RegExp(`^VALUE ${keys[0]} 0 \\d+ \\d+\\r\\n${keys[0]}!\\r\\nVALUE ${keys[5]} 0 \\d+ \\d+\\r\\n${keys[5]}!\\r\\nEND\\r\\n$`));
  });
});

test("pipelined requests to different processes are answered in request order", { skip }, async () => {
  const shape: RoutingShape = { mode: "plain", groups: 3 };
  const processes = [0, 1, 2].map((p) => row(`plain-${p}`, "plain", p, 0, servers[p]));
  await withProxy(shape, processes, async (proxy) => {
    const keys = [...keysPerRoute(shape, 30).values()].flat().sort();
    let script = "";
    let expected = "";
    for (const [i, key] of keys.entries()) {
      script += `set ${key} 0 0 ${String(i).length}\r\n${i}\r\nget ${key}\r\nappend ${key} 0 0 1 noreply\r\nx\r\nincr nonexistent-${i} 1\r\n`;
      expected += `STORED\r\nVALUE ${key} 0 ${String(i).length}\r\n${i}\r\nEND\r\nNOT_FOUND\r\n`;
    }
    assert.equal(await converse(proxy.port, script), expected);
  });
});

test("basic protocol commands through the proxy get the same answers as native memcached", { skip }, async () => {
  const shape: RoutingShape = { mode: "plain", groups: 3 };
  const processes = [0, 1, 2].map((p) => row(`plain-${p}`, "plain", p, 0, servers[p]));
  const long = "k".repeat(251);
  const script = [
    "set a 1 0 3\r\nabc\r\n",
    "add a 0 0 1\r\nz\r\n",
    "add b 2 0 2\r\nbb\r\n",
    "replace c 0 0 1\r\nc\r\n",
    "append a 0 0 2\r\nde\r\n",
    "prepend a 0 0 2\r\nxy\r\n",
    "get a b c\r\n",
    "set n 0 0 2\r\n10\r\n",
    "incr n 5\r\n",
    "decr n 100\r\n",
    "incr a 1\r\n",
    "touch a 100\r\n",
    "touch c 100\r\n",
    "delete b\r\n",
    "delete b\r\n",
    "delete a noreply\r\n",
    "get a b\r\n",
    `get ${long}\r\n`,
    `set ${long} 0 0 1\r\nx\r\n`,
    "set x 0 0 notanumber\r\n",
    "bogus command\r\n",
    "get\r\n",
    "\r\n",
    "set big 0 0 1\r\n",
    "1\r\n",
    "verbosity 1\r\n",
    "flush_all\r\n",
    "get n\r\n",
  ].join("");
  await converse(servers[3].port, "flush_all\r\n");
  const direct = await converse(servers[3].port, script);
  await withProxy(shape, processes, async (proxy) => {
    await converse(proxy.port, "flush_all\r\n");
    const proxied = await converse(proxy.port, script);
    assert.equal(proxied, direct);
    const badChunk = "set bad 0 0 2\r\nabc\r\nget bad\r\n";
    assert.equal(await converse(proxy.port, badChunk), await converse(servers[3].port, badChunk));
    assert.match(await converse(proxy.port, "version\r\n"), /^VERSION \S+\r\n$/);
  });
});

test("stats through the proxy add up the processes' counters", { skip }, async () => {
  const shape: RoutingShape = { mode: "plain", groups: 3 };
  const processes = [0, 1, 2].map((p) => row(`plain-${p}`, "plain", p, 0, servers[p]));
  await withProxy(shape, processes, async (proxy) => {
    await converse(proxy.port, "flush_all\r\n");
    const keys = [...keysPerRoute(shape, 4).values()].flat();
    await converse(proxy.port, keys.map((k) => `set ${k} 0 0 1\r\nv\r\n`).join(""));
    let itemsDirect = 0;
    for (let p = 0; p < 3; p++) itemsDirect += Number(/STAT curr_items (\d+)/.exec(await converse(servers[p].port, "stats\r\n"))![1]);
    const stats = await converse(proxy.port, "stats\r\n");
    assert.equal(Number(/STAT curr_items (\d+)/.exec(stats)![1]), itemsDirect);
    assert.equal(itemsDirect, keys.length);
    assert.match(stats, /END\r\n$/);
  });
});

test("pbr keys go to the group's primary and cocytus keys to the data process the routing names", { skip }, async () => {
  const pbr: RoutingShape = { mode: "pbr", groups: 2 };
  const pbrProcesses = [row("pbr-g0-primary", "primary", 0, 0, servers[0]), row("pbr-g0-backup1", "backup", 0, 1, servers[3]), row("pbr-g1-primary", "primary", 1, 0, servers[1]), row("pbr-g1-backup1", "backup", 1, 1, servers[3])];
  await withProxy(pbr, pbrProcesses, async (proxy) => {
    await converse(servers[3].port, "flush_all\r\n");
    for (const [name, list] of keysPerRoute(pbr, 2)) {
      const primary = servers[Number(name.split("/")[0])];
      for (const key of list) {
        await converse(proxy.port, `set ${key} 0 0 1\r\np\r\n`);
        assert.equal(await converse(primary.port, `get ${key}\r\n`), `VALUE ${key} 0 1\r\np\r\nEND\r\n`);
      }
    }
    assert.equal(await converse(servers[3].port, "stats items\r\n"), "END\r\n", "no key reached a backup");
  });
  const cocytus: RoutingShape = { mode: "cocytus", groups: 1, k: 3 };
  const cocytusProcesses = [row("c-data0", "data", 0, 0, servers[0]), row("c-data1", "data", 0, 1, servers[1]), row("c-data2", "data", 0, 2, servers[2]), row("c-parity0", "parity", 0, 3, servers[3])];
  await withProxy(cocytus, cocytusProcesses, async (proxy) => {
    for (const [name, list] of keysPerRoute(cocytus, 2)) {
      const data = servers[Number(name.split("/")[1])];
      for (const key of list) {
        await converse(proxy.port, `set ${key} 0 0 1\r\nc\r\n`);
        assert.equal(await converse(data.port, `get ${key}\r\n`), `VALUE ${key} 0 1\r\nc\r\nEND\r\n`);
      }
    }
  });
});

test("when an owner is unreachable the proxy asks the refresher for a new view and retries once", { skip }, async () => {
  const extra = await startNativeMemcached();
  const replacement = await startNativeMemcached();
  try {
    const shape: RoutingShape = { mode: "pbr", groups: 1 };
    const processes = [row("pbr-g0-primary", "primary", 0, 0, extra), row("pbr-g0-backup1", "backup", 0, 1, replacement)];
    const refreshed: string[] = [];
    await withProxy(
      shape,
      processes,
      async (proxy) => {
        assert.equal(await converse(proxy.port, "set k 0 0 1\r\n1\r\n"), "STORED\r\n");
        await extra.stop();
        assert.equal(await converse(proxy.port, "set k 0 0 1\r\n2\r\nget k\r\n"), "STORED\r\nVALUE k 0 1\r\n2\r\nEND\r\n");
        assert.deepEqual(refreshed, ["pbr-g0-primary"]);
        assert.equal(await converse(replacement.port, "get k\r\n"), "VALUE k 0 1\r\n2\r\nEND\r\n");
      },
      async (failed, table) => {
        refreshed.push(failed.id);
        table.setOwner(0, 0, { id: "pbr-g0-backup1", host: replacement.host, port: replacement.port });
      },
    );
  } finally {
    await extra.stop();
    await replacement.stop();
  }
});

test("an unreachable owner without a new view gets a SERVER_ERROR that names the process, and the proxy goes on", { skip }, async () => {
  const gone = await startNativeMemcached();
  await gone.stop();
  const shape: RoutingShape = { mode: "plain", groups: 2 };
  const processes = [row("plain-0", "plain", 0, 0, gone), row("plain-1", "plain", 1, 0, servers[1])];
  await withProxy(shape, processes, async (proxy) => {
    const keys = keysPerRoute(shape, 1);
    const deadKey = keys.get("0/0")![0];
    const liveKey = keys.get("1/0")![0];
    const reply = await converse(proxy.port, `get ${deadKey}\r\nset ${liveKey} 0 0 1\r\nx\r\n`);
    assert.match(reply, new RegExp(`^SERVER_ERROR proxy: process plain-0 at 127\\.0\\.0\\.1:${gone.port}: ECONNREFUSED\\r\\nSTORED\\r\\n$`));
  });
});

test("a command line without a newline beyond the limit is refused and the connection closed", { skip }, async () => {
  const shape: RoutingShape = { mode: "plain", groups: 1 };
  await withProxy(shape, [row("plain-0", "plain", 0, 0, servers[0])], async (proxy) => {
    const reply = await converse(proxy.port, Buffer.alloc(70_000, "a"));
    assert.equal(reply, "CLIENT_ERROR line too long\r\n");
  });
});
