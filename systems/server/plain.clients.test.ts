import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import Memcached from "memcached";
import type { RunningProcess } from "../../test/support/process.ts";
import { startPlainProcess } from "./test-servers.ts";

// Real memcached clients against our plain server: the npm `memcached` client and Debian's
// libmemcached tools (package libmemcached-tools), including libmemcached's own protocol checker.
const run = promisify(execFile);
let server: RunningProcess;
let servers: string;
let workdir: string;

before(async () => {
  server = await startPlainProcess();
  servers = `${server.host}:${server.port}`;
  workdir = await mkdtemp(join(tmpdir(), "plain-clients-"));
});

after(async () => {
  await server?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

async function hasTool(name: string): Promise<boolean> {
  try {
    await run("which", [name]);
    return true;
  } catch {
    return false;
  }
}

const tools = ["memccp", "memccat", "memcexist", "memctouch", "memcrm", "memcflush", "memcstat", "memcping", "memcslap", "memccapable"];
const missingTools = (await Promise.all(tools.map(async (t) => ((await hasTool(t)) ? null : t)))).filter((t) => t !== null);
const skipTools = missingTools.length > 0 ? `libmemcached-tools missing (${missingTools.join(", ")}): apt-get install libmemcached-tools` : false;

/** Runs a libmemcached tool; resolves with its exit code and output instead of throwing. */
async function tool(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(name, args, { cwd: workdir, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

test("the npm memcached client stores, reads, counts, compares-and-swaps, touches and flushes", async () => {
  const client = new Memcached(servers, { retries: 0, timeout: 2000, poolSize: 2 });
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise((resolve, reject) => {
      (client as unknown as Record<string, (...a: unknown[]) => void>)[method](...args, (error: Error | undefined, result: T) => (error ? reject(error) : resolve(result)));
    });
  try {
    assert.equal(await call("set", "greeting", "hello world", 100), true);
    assert.equal(await call("get", "greeting"), "hello world");
    assert.equal(await call("add", "greeting", "again", 0).catch(() => false), false);
    assert.equal(await call("replace", "greeting", "hello", 0), true);
    assert.equal(await call("append", "greeting", "!"), true);
    assert.equal(await call("prepend", "greeting", ">"), true);
    assert.equal(await call("get", "greeting"), ">hello!");
    await call("set", "other", "2", 0);
    assert.deepEqual(await call("getMulti", ["greeting", "other", "missing"]), { greeting: ">hello!", other: "2" });
    assert.equal(await call("incr", "other", 40), 42);
    assert.equal(await call("decr", "other", 50), 0);
    const { cas } = await call<{ cas: string }>("gets", "greeting");
    assert.equal(await call("cas", "greeting", "swapped", cas, 0), true);
    assert.equal(await call("cas", "greeting", "stale", cas, 0), false);
    assert.equal(await call("get", "greeting"), "swapped");
    assert.equal(await call("touch", "greeting", 100), true);
    assert.equal(await call("del", "greeting"), true);
    assert.equal(await call("get", "greeting"), undefined);
    const version = await call<Array<{ version: string }>>("version");
    assert.match(version[0].version, /^1\.6\.18/);
    const stats = await call<Array<Record<string, unknown>>>("stats");
    assert.ok(Number(stats[0].curr_connections) >= 1);
    assert.deepEqual(await call("flush"), [true]);
    assert.equal(await call("get", "other"), undefined);
  } finally {
    client.end();
  }
});

test("libmemcached's tools copy, read, test, touch, remove, flush, ping and report stats", { skip: skipTools }, async () => {
  await writeFile(join(workdir, "file.txt"), "contents of a file\nwith two lines\n");
  assert.equal((await tool("memccp", [`--servers=${servers}`, "file.txt"])).code, 0);
  const cat = await tool("memccat", [`--servers=${servers}`, "file.txt"]);
  assert.equal(cat.code, 0);
  assert.equal(cat.stdout, "contents of a file\nwith two lines\n\n");
  assert.equal((await tool("memcexist", [`--servers=${servers}`, "file.txt"])).code, 0);
  assert.equal((await tool("memcexist", [`--servers=${servers}`, "no-such-key"])).code, 1);
  assert.equal((await tool("memctouch", [`--servers=${servers}`, "--expire=100", "file.txt"])).code, 0);
  assert.equal((await tool("memcrm", [`--servers=${servers}`, "file.txt"])).code, 0);
  assert.notEqual((await tool("memccat", [`--servers=${servers}`, "file.txt"])).code, 0);
  assert.equal((await tool("memcping", [`--servers=${servers}`])).code, 0);
  const stat = await tool("memcstat", [`--servers=${servers}`]);
  assert.equal(stat.code, 0);
  assert.match(stat.stdout, /pid: \d+/);
  assert.match(stat.stdout, /curr_items: \d+/);
  await tool("memccp", [`--servers=${servers}`, "file.txt"]);
  assert.equal((await tool("memcflush", [`--servers=${servers}`])).code, 0);
  assert.notEqual((await tool("memccat", [`--servers=${servers}`, "file.txt"])).code, 0);
});

test("memcslap's set, get and multi-get loads complete against our server", { skip: skipTools }, async () => {
  for (const kind of ["set", "get", "mget"]) {
    const result = await tool("memcslap", [`--servers=${servers}`, "--concurrency=2", "--execute-number=2000", `--test=${kind}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /error/i);
    assert.match(result.stdout, new RegExp(`Time to ${kind}\\s+4000 keys`), result.stdout);
  }
});

test("libmemcached's protocol checker passes every ascii test", { skip: skipTools }, async () => {
  const result = await tool("memccapable", ["-h", server.host, "-p", String(server.port), "-a"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /All tests passed/);
  assert.doesNotMatch(result.stdout, /\[fail\]/);
});
