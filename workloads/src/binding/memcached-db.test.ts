import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startNativeMemcached } from "../../../test/support/memcached.ts";
import type { RunningProcess } from "../../../test/support/process.ts";
import { emptyBindingStats, MemcachedDB } from "./memcached-db.ts";
import { MemcachedPool } from "./memcached-pool.ts";
import { targetsFromEndpoints } from "./targets.ts";
import { ValueVerifier } from "./verifier.ts";

let memcached: RunningProcess;
let pool: MemcachedPool;

before(async () => {
  memcached = await startNativeMemcached();
  pool = new MemcachedPool(targetsFromEndpoints([{ host: memcached.host, port: memcached.port }]), { connectionsPerServer: 2, timeoutMs: 2000 });
  await pool.open();
});
after(async () => {
  await pool?.close();
  await memcached?.stop();
});

function binding(verifier: ValueVerifier | null) {
  const stats = emptyBindingStats();
  let version = 0;
  return { stats, db: new MemcachedDB(pool, { verifier, nextVersion: () => ++version, stats }) };
}

test("an inserted record reads back verified, with exactly its length stored and counted", async () => {
  const verifier = new ValueVerifier(true);
  const { db, stats } = binding(verifier);
  for (const length of [10, 100, 1024, 16384]) {
    assert.equal(await db.insert("usertable", `user${length}`, length), "OK");
    const result = new Map<string, Uint8Array>();
    assert.equal(await db.read("usertable", `user${length}`, null, result), "OK");
    assert.equal(result.get("value")!.length, length);
  }
  assert.equal(stats.valueBytesInserted, 10 + 100 + 1024 + 16384);
  assert.equal(await db.update("usertable", "user100", 200), "OK");
  assert.equal(stats.valueBytesUpdated, 200);
  assert.deepEqual(verifier.counts, { verifiedOk: 4, corrupted: 0, missingAcknowledged: 0, examples: [] });
});

test("a value the binding did not write reads as UNEXPECTED_STATE and counts as corrupted", async () => {
  const verifier = new ValueVerifier(true);
  const { db } = binding(verifier);
  // Another key's value under this key: a server that mixed up keys.
  assert.equal(await db.insert("usertable", "userA", 64), "OK");
  const raw = pool.connectionForServer(0);
  const foreign = await new Promise<Buffer>((resolve) => raw.get(Buffer.from("userA"), 0, 5, { onReply: (_r, d, s, e) => resolve(Buffer.from(d!.subarray(s, e))) }));
  await new Promise<void>((resolve) => raw.store(Buffer.from("set"), Buffer.from("userB"), 0, 5, foreign, 0, foreign.length, { onReply: () => resolve() }));
  assert.equal(await db.read("usertable", "userB", null, null), "UNEXPECTED_STATE");
  assert.equal(verifier.counts.corrupted, 1);
  assert.deepEqual(verifier.counts.examples, ["userB: wrong-key"]);
});

test("a deleted key reads as NOT_FOUND and counts as missing when the run expects it stored", async () => {
  const verifier = new ValueVerifier(true);
  const { db } = binding(verifier);
  assert.equal(await db.insert("usertable", "userGone", 100), "OK");
  assert.equal(await db.delete("usertable", "userGone"), "OK");
  assert.equal(await db.delete("usertable", "userGone"), "NOT_FOUND");
  assert.equal(await db.read("usertable", "userGone", null, null), "NOT_FOUND");
  assert.equal(verifier.counts.missingAcknowledged, 1);
});

test("a key longer than memcached allows is refused as BAD_REQUEST without reaching the server, and scan is NOT_IMPLEMENTED", async () => {
  const { db, stats } = binding(null);
  assert.equal(await db.read("usertable", "k".repeat(251), null, null), "BAD_REQUEST");
  assert.match(stats.errorExamples[0], /key of 251 bytes is longer than memcached's limit of 250/);
  assert.equal(await db.scan("usertable", "user1", 10, null, null), "NOT_IMPLEMENTED");
});

test("add and replace inserts and updates report the server's refusals", async () => {
  const stats = emptyBindingStats();
  const db = new MemcachedDB(pool, { insertCommand: "add", updateCommand: "replace", verifier: null, nextVersion: () => 1, stats });
  assert.equal(await db.insert("usertable", "userAdd", 20), "OK");
  assert.equal(await db.insert("usertable", "userAdd", 20), "ERROR");
  assert.equal(await db.update("usertable", "userNever", 20), "ERROR");
  assert.equal(stats.valueBytesInserted, 20);
});
