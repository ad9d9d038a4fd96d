import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { rawExchange } from "../../test/support/raw-client.ts";

// The server entry as the harness runs it: `node --import tsx systems/server/main.ts ...`.
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startMain(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", killOnExit);
      resolve({ code, stdout, stderr });
    }),
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  exited.finally(() => clearTimeout(timer));
  const line = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    exited.then((exit) => reject(new Error(`server exited with ${exit.code} before printing a line: ${exit.stderr}`)));
  });
  line.catch(() => {}); // tests that expect an early exit never read the line
  return { child, exited, line };
}

test("the server prints its listening line with the port it got, serves, and exits 0 on SIGTERM", async () => {
  const server = startMain(["--mode", "plain", "--host", "127.0.0.1", "--port", "0"]);
  try {
    const line = await server.line;
    const match = /^listening 127\.0\.0\.1:(\d+) mode=plain pid=(\d+)$/.exec(line);
    assert.ok(match, `the listening line, found ${JSON.stringify(line)}`);
    assert.equal(Number(match[2]), server.child.pid);
    const { received } = await rawExchange("127.0.0.1", Number(match[1]), [{ send: "set a 0 0 1\r\nx\r\nget a\r\n" }], { pauseMs: 0 });
    assert.equal(received.toString(), "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
    server.child.kill("SIGTERM");
    assert.equal((await server.exited).code, 0);
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("SIGINT closes the server even while clients are connected", async () => {
  const server = startMain(["--mode", "plain", "--host", "127.0.0.1", "--port", "0"]);
  try {
    const port = Number(/:(\d+) /.exec(await server.line)![1]);
    const exchange = rawExchange("127.0.0.1", port, [{ send: "set a 0 0 5\r\nab", pauseMs: 2000 }], { pauseMs: 0 });
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill("SIGINT");
    assert.equal((await server.exited).code, 0);
    assert.equal((await exchange).closedByServer, true);
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("a bad command line exits with code 2 and says what is wrong", async () => {
  const exit = await startMain(["--mode", "plain", "--host", "127.0.0.1", "--port", "99999"]).exited;
  assert.equal(exit.code, 2);
  assert.match(exit.stderr, /--port must be an integer in 0\.\.65535, found 99999/);
  assert.match(exit.stderr, /usage: npm run server/);
});

test("a port already in use is reported, not thrown", async () => {
  const first = startMain(["--mode", "plain", "--host", "127.0.0.1", "--port", "0"]);
  try {
    const port = /:(\d+) /.exec(await first.line)![1];
    const exit = await startMain(["--mode", "plain", "--host", "127.0.0.1", "--port", port]).exited;
    assert.equal(exit.code, 1);
    assert.match(exit.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
  } finally {
    first.child.kill("SIGKILL");
  }
});

for (const mode of ["pbr", "cocytus"]) {
  test(`${mode} mode started without its group options exits with code 2 and names what is missing`, async () => {
    const exit = await startMain(["--mode", mode, "--host", "127.0.0.1", "--port", "0"]).exited;
    assert.equal(exit.code, 2);
    assert.match(exit.stderr, /--(group|index|peers|peer-port)/);
    assert.doesNotMatch(exit.stderr, /\n\s+at /, "a usage error prints no stack trace");
  });
}
