import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { Op } from "../protocol/backend.ts";
import { Store } from "../store/index.ts";
import { freePort } from "../../test/support/ports.ts";
import { startTcpRelay, type TcpRelay } from "../../test/support/tcp-relay.ts";
import { PbrMember } from "./member.ts";
import { mutation, randomWrites, snapshot } from "./test-writes.ts";
import { NOT_PRIMARY_REPLY } from "./view.ts";

// Three members in this process, linked over real loopback TCP. Member 0's links to the members
// in `relayed` go through a relay that can hold frames back, as if they were still in flight
// when member 0 failed.

const host = "127.0.0.1";

async function startGroup(t: TestContext, relayed: number[] = []) {
  const ports = [await freePort(), await freePort(), await freePort()];
  const relays = new Map<number, TcpRelay>();
  for (const j of relayed) relays.set(j, await startTcpRelay(host, ports[j]));
  const logs: string[] = [];
  const members = [0, 1, 2].map((index) => {
    const peers = ports.map((port, j) => (index === 0 && relays.has(j) ? { host, port: relays.get(j)!.port } : { host, port }));
    return new PbrMember(new Store({ memoryBytes: 64 * 1024 * 1024, maxValueBytes: 64 * 1024 }), {
      group: 5,
      index,
      peers,
      itemSize: 1024 * 1024,
      detection: { heartbeatMs: 100, timeoutMs: 5000 },
      connectDeadlineMs: 5000,
      log: (line) => logs.push(`[${index}] ${line}`),
    });
  });
  t.after(async () => {
    for (const member of members) member.close();
    await Promise.all([...relays.values()].map((relay) => relay.close()));
  });
  await Promise.all(members.map((member) => member.start()));
  members.forEach((member, index) => member.publishClientAddress(`${host}:${11000 + index}`));
  return { members, relays, logs };
}

async function waitFor(condition: () => boolean, what: string, logs: string[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}\n${logs.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves to true if the promise settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

test("a write at the primary is answered only after both backups applied it, and every store then holds it", async (t) => {
  const { members, relays } = await startGroup(t, [2]);
  relays.get(2)!.hold();
  const reply = members[0].execute(mutation(Op.Set, "k", "v1"));
  assert.ok(reply instanceof Promise, "a replicated write completes later");
  assert.equal(await settlesWithin(reply, 200), false, "the reply waits for member 2");
  relays.get(2)!.release();
  assert.equal((await reply).toString(), "STORED\r\n");
  for (const writes of randomWrites(11, 300)) await members[0].execute(writes);
  const expected = snapshot(members[0].store);
  await waitFor(() => members[2].seq === members[0].seq, "member 2 to apply every write", []);
  assert.deepEqual(snapshot(members[1].store), expected);
  assert.deepEqual(snapshot(members[2].store), expected);
});

test("a backup found down no longer holds replies back, and the view counts it out", async (t) => {
  const { members, relays, logs } = await startGroup(t, [2]);
  relays.get(2)!.hold();
  const reply = members[0].execute(mutation(Op.Set, "k", "v1"));
  assert.equal(await settlesWithin(reply as Promise<Buffer>, 100), false);
  members[2].close();
  assert.equal((await reply).toString(), "STORED\r\n");
  await waitFor(() => members[1].view().members[2] === null, "member 1 to count member 2 out", logs);
  assert.deepEqual(members[0].view(), { group: 5, epoch: 1, primary: 0, members: [`${host}:11000`, `${host}:11001`, null] });
  assert.equal((await members[0].execute(mutation(Op.Set, "k2", "v2"))).toString(), "STORED\r\n");
  await waitFor(() => members[1].seq === members[0].seq, "member 1 to apply every write", logs);
});

test("a member that is not the primary refuses writes with SERVER_ERROR not primary", async (t) => {
  const { members } = await startGroup(t);
  assert.equal(members[1].execute(mutation(Op.Set, "k", "v")), NOT_PRIMARY_REPLY);
  assert.equal(members[1].store.stats().curr_items, 0);
});

test("when the primary fails, the backup that applied more takes over and brings the other up to date", async (t) => {
  const { members, relays, logs } = await startGroup(t, [2]);
  for (const m of randomWrites(12, 200)) await members[0].execute(m);
  relays.get(2)!.hold();
  // These writes reach member 1 only; their replies never come (member 2 did not ack).
  for (const m of randomWrites(13, 100)) void members[0].execute(m);
  const primaryItems = snapshot(members[0].store);
  await waitFor(() => members[1].seq === members[0].seq, "member 1 to apply the writes", logs);
  assert.ok(members[2].seq < members[1].seq, "member 2 lags");
  members[0].close();
  await waitFor(() => members[1].isPrimary && members[2].primary === 1 && members[2].seq === members[1].seq, "member 1 to take over and catch member 2 up", logs);
  assert.equal(members[1].epoch, 2);
  assert.equal(members[2].epoch, 2);
  assert.deepEqual(snapshot(members[1].store), primaryItems, "the new primary has everything the old one applied");
  assert.deepEqual(snapshot(members[2].store), primaryItems, "the follower was caught up");
  assert.equal((await members[1].execute(mutation(Op.Set, "after", "failover"))).toString(), "STORED\r\n");
  await waitFor(() => members[2].seq === members[1].seq, "member 2 to apply the new primary's write", logs);
  assert.deepEqual(snapshot(members[2].store), snapshot(members[1].store));
  assert.deepEqual(members[2].view(), { group: 5, epoch: 2, primary: 1, members: [null, `${host}:11001`, `${host}:11002`] });
});

test("the backup with more writes takes over even when its index is higher", async (t) => {
  const { members, relays, logs } = await startGroup(t, [1]);
  relays.get(1)!.hold();
  for (const m of randomWrites(14, 50)) void members[0].execute(m);
  await waitFor(() => members[2].seq === members[0].seq && members[0].seq > 0, "member 2 to apply the writes", logs);
  members[0].close();
  await waitFor(() => members[2].isPrimary && members[1].seq === members[2].seq, "member 2 to take over", logs);
  assert.equal(members[1].primary, 2);
  assert.deepEqual(snapshot(members[1].store), snapshot(members[2].store));
});

test("between backups that applied the same writes, the lower index takes over", async (t) => {
  const { members, logs } = await startGroup(t);
  for (const m of randomWrites(15, 50)) await members[0].execute(m);
  members[0].close();
  await waitFor(() => members[1].isPrimary && members[2].primary === 1, "member 1 to take over", logs);
  assert.equal(members[1].lastCatchUp?.items, 0);
});

test("a lone surviving backup takes over and answers writes at once", async (t) => {
  const { members, logs } = await startGroup(t);
  members[2].close();
  await waitFor(() => members[0].view().members[2] === null, "the primary to count member 2 out", logs);
  await members[0].execute(mutation(Op.Set, "k", "v"));
  members[0].close();
  await waitFor(() => members[1].isPrimary, "member 1 to take over", logs);
  assert.equal(members[1].epoch, 2);
  const reply = members[1].execute(mutation(Op.Set, "k2", "v2"));
  assert.ok(Buffer.isBuffer(reply), "no backup left to wait for");
  assert.equal(members[1].store.stats().curr_items, 2);
});

test("after a failover new items get CAS values above any the dead primary handed out, even for writes no backup received", async (t) => {
  const { members, relays, logs } = await startGroup(t, [1, 2]);
  for (const m of randomWrites(16, 20)) await members[0].execute(m);
  relays.get(1)!.hold();
  relays.get(2)!.hold();
  for (let n = 0; n < 50; n++) void members[0].execute(mutation(Op.Set, `lost${n}`, "never replicated"));
  const lastCasHandedOut = members[0].store.currentCas;
  members[0].close();
  await waitFor(() => members[1].isPrimary && members[2].primary === 1, "member 1 to take over", logs);
  assert.equal(members[1].store.lookup(Buffer.from("lost0"), 0), -1, "the unreplicated writes are gone");
  await members[1].execute(mutation(Op.Set, "fresh", "v"));
  const cas = members[1].store.cas(members[1].store.lookup(Buffer.from("fresh"), 0));
  assert.ok(cas > lastCasHandedOut, `expected a CAS above ${lastCasHandedOut}, found ${cas}`);
  await waitFor(() => members[2].seq === members[1].seq, "member 2 to apply it", logs);
  assert.deepEqual(snapshot(members[2].store), snapshot(members[1].store));
});
