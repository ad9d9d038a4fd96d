import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { freePort } from "../../test/support/ports.ts";
import { waitForPort } from "../../test/support/process.ts";
import { LocalExecutor } from "./local-executor.ts";
import { NodeError } from "./node-error.ts";
import type { NodeConfig } from "./types.ts";

let workDir: string;
let executor: LocalExecutor;
const started: number[] = [];
const host = "127.0.1.3";

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), "local-executor-"));
  const node: NodeConfig = { index: 2, name: "node3", host, sshHost: host, transport: { kind: "local" }, workDir: join(workDir, "node3") };
  executor = new LocalExecutor(node);
});

after(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await rm(workDir, { recursive: true, force: true });
});

/** A TCP server that holds ~20 MB and answers "pong" to anything. */
const serverSource = `
const keep = Buffer.alloc(20 * 1024 * 1024, 1);
require("node:net").createServer((s) => s.on("data", () => s.write("pong"))).listen(Number(process.env.PORT), process.env.HOST, () => console.log("listening", keep.length));
`;

test("exec returns the exit code, stdout and stderr of a shell command", async () => {
  const ok = await executor.exec("echo out; echo err >&2");
  assert.deepEqual(ok, { code: 0, stdout: "out\n", stderr: "err\n" });
  const failed = await executor.exec("exit 7");
  assert.equal(failed.code, 7);
});

test("exec rejects with an error naming the node when the command outlives its timeout", async () => {
  const begun = Date.now();
  await assert.rejects(executor.exec("sleep 30", { timeoutMs: 200 }), (error: NodeError) => {
    assert.match(error.message, /^node3 \(127\.0\.1\.3\): exec timed out after 200 ms: sleep 30/);
    assert.equal(error.code, "ETIMEDOUT");
    return true;
  });
  assert.ok(Date.now() - begun < 5000, "the timed-out command was killed, not waited for");
});

test("upload copies a file to a path relative to the node's workDir, creating folders", async () => {
  const source = join(workDir, "bundle.mjs");
  await writeFile(source, "console.log(1)\n");
  await executor.upload(source, "bin/server.mjs");
  assert.equal(await readFile(join(executor.node.workDir, "bin/server.mjs"), "utf8"), "console.log(1)\n");
});

test("a started server listens on the node's address, writes its pidfile and log, and shows in readProc", async () => {
  const port = await freePort(host);
  const proc = await executor.start("echo-server", [process.execPath, "-e", serverSource], { HOST: host, PORT: String(port) });
  started.push(proc.pid);
  assert.equal(await readFile(proc.pidPath, "utf8"), `${proc.pid}\n`);
  await waitForPort(host, port, 10_000);
  // The port accepts connections a moment before the listen callback has written its log line.
  const logDeadline = Date.now() + 5000;
  while (!/listening/.test(await executor.logs(proc.logPath)) && Date.now() < logDeadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(await executor.logs(proc.logPath), /listening 20971520/);

  const [stats] = await executor.readProc([proc.pid]);
  assert.equal(stats.alive, true);
  assert.ok(stats.rssBytes > 20 * 1024 * 1024, `RSS ${stats.rssBytes} includes the 20 MB buffer`);
  assert.ok(stats.cpuSeconds > 0 && stats.cpuSeconds < 30, `CPU ${stats.cpuSeconds} s`);

  await executor.signal(proc.pid, "SIGKILL");
  const deadline = Date.now() + 5000;
  while ((await executor.readProc([proc.pid]))[0].alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const [gone] = await executor.readProc([proc.pid]);
  assert.equal(gone.alive, false);
  assert.equal(gone.rssBytes, 0);
});

test("a started process runs in its own process group, so signals to the harness's group miss it", async () => {
  const proc = await executor.start("sleeper", ["sleep", "30"]);
  started.push(proc.pid);
  const stat = await readFile(`/proc/${proc.pid}/stat`, "utf8");
  const processGroup = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  assert.equal(processGroup, proc.pid);
  assert.notEqual(processGroup, process.pid);
  await executor.signal(proc.pid, "SIGTERM");
});

test("logs returns only the last maxBytes of a log", async () => {
  const proc = await executor.start("counter", ["sh", "-c", "seq 1 1000"]);
  started.push(proc.pid);
  const deadline = Date.now() + 5000;
  while (!(await executor.logs(proc.logPath)).endsWith("1000\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await executor.logs(proc.logPath, 9), "999\n1000\n");
});

test("signalling a process that is gone rejects with ESRCH and names the node", async () => {
  const proc = await executor.start("short", ["true"]);
  const deadline = Date.now() + 5000;
  while ((await executor.readProc([proc.pid]))[0].alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(executor.signal(proc.pid, "SIGKILL"), (error: NodeError) => {
    assert.equal(error.code, "ESRCH");
    assert.match(error.message, new RegExp(`^node3 \\(127\\.0\\.1\\.3\\): kill -s SIGKILL ${proc.pid} failed: no such process`));
    return true;
  });
});

test("starting a program that does not exist rejects with an error naming the node and the program", async () => {
  await assert.rejects(executor.start("missing", ["/nonexistent/program"]), /^NodeError: node3 \(127\.0\.1\.3\): start missing: cannot run \/nonexistent\/program: .*ENOENT/);
});

test("a process name that is not a plain file name is refused", async () => {
  await assert.rejects(executor.start("../escape", ["true"]), /process name must be letters, digits, '\.', '-' or '_', found "\.\.\/escape"/);
});

test("logs of a missing file reject with an error naming the node", async () => {
  await assert.rejects(executor.logs("nothing.log"), /^NodeError: node3 \(127\.0\.1\.3\): cannot read log .*nothing\.log: ENOENT/);
});
