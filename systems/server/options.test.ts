import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MEMORY_MB, parseServerArgs, UsageError } from "./options.ts";

test("a plain command line parses with memcached-like defaults", () => {
  assert.deepEqual(parseServerArgs(["--mode", "plain", "--host", "127.0.0.1", "--port", "11211"]), {
    mode: "plain",
    host: "127.0.0.1",
    port: 11211,
    memoryMb: DEFAULT_MEMORY_MB,
    maxItemSize: 1048576,
  });
});

test("memory, item size with memcached's suffixes, and the group options are parsed", () => {
  const options = parseServerArgs([
    "--mode=cocytus", "--host", "127.0.1.1", "--port", "0", "--memory", "256", "--max-item-size", "2m",
    "--group", "3", "--index", "4", "--k", "3", "--m", "2", "--peer-port", "21000", "--peers", "127.0.1.1:21000, 127.0.1.2:21001",
  ]);
  assert.equal(options.memoryMb, 256);
  assert.equal(options.maxItemSize, 2 * 1024 * 1024);
  assert.deepEqual([options.group, options.index, options.k, options.m, options.peerPort], [3, 4, 3, 2, 21000]);
  assert.deepEqual(options.peers, [
    { host: "127.0.1.1", port: 21000 },
    { host: "127.0.1.2", port: 21001 },
  ]);
});

test("the replication and recovery flags are parsed for the modes that use them", () => {
  const options = parseServerArgs([
    "--mode", "cocytus", "--host", "127.0.1.1", "--port", "0", "--groups", "5", "--heartbeat-ms", "50", "--failure-timeout-ms", "1500",
    "--codec", "native-cauchy", "--recovery", "blocked", "--repair-batch-pages", "64",
  ]);
  assert.deepEqual(
    [options.groups, options.heartbeatMs, options.failureTimeoutMs, options.codec, options.recovery, options.repairBatchPages],
    [5, 50, 1500, "native-cauchy", "blocked", 64],
  );
});

test("bad command lines are refused with what was expected and what was found", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--host", "h", "--port", "1"], /--mode is required/],
    [["--mode", "raid", "--host", "h", "--port", "1"], /--mode must be plain, pbr or cocytus, found "raid"/],
    [["--mode", "plain", "--port", "1"], /--host is required/],
    [["--mode", "plain", "--host", "h"], /--port is required/],
    [["--mode", "plain", "--host", "h", "--port", "70000"], /--port must be an integer in 0\.\.65535, found 70000/],
    [["--mode", "plain", "--host", "h", "--port", "eleven"], /--port must be an integer in 0\.\.65535, found "eleven"/],
    [["--mode", "plain", "--host", "h", "--port", "1", "--memory=-5"], /--memory must be an integer in 1\.\.32768, found "-5"/],
    [["--mode", "plain", "--host", "h", "--port", "1", "--max-item-size", "12"], /between 1k and 1024m.*found 12/],
    [["--mode", "plain", "--host", "h", "--port", "1", "--max-item-size", "1g"], /byte count like 1048576 or 1m, found "1g"/],
    [["--mode", "pbr", "--host", "h", "--port", "1", "--peers", "a:1,b"], /--peers\[1\] must be host:port, found "b"/],
    [["--mode", "plain", "--host", "h", "--port", "1", "--verbose"], /Unknown option '--verbose'/],
    [["--mode", "plain", "--host", "h", "--port", "1", "extra"], /positional/],
    [["--mode", "cocytus", "--host", "h", "--port", "1", "--recovery", "lazy"], /--recovery must be online or blocked, found "lazy"/],
    [["--mode", "cocytus", "--host", "h", "--port", "1", "--groups", "0"], /--groups must be an integer in 1\.\.1000000, found 0/],
    [["--mode", "pbr", "--host", "h", "--port", "1", "--heartbeat-ms", "100", "--failure-timeout-ms", "200"], /--failure-timeout-ms must be more than twice --heartbeat-ms \(100\), found 200/],
    [["--mode", "cocytus", "--host", "h", "--port", "1", "--repair-batch-pages", "5000"], /--repair-batch-pages must be an integer in 1\.\.4096, found 5000/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseServerArgs(argv), (error: unknown) => error instanceof UsageError && message.test(error.message), argv.join(" "));
  }
});
