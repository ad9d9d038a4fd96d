import assert from "node:assert/strict";
import { test } from "node:test";
import { AckTracker } from "./ack-tracker.ts";

const reply = (text: string) => Buffer.from(text);

/** Records the order in which replies are released. */
function track(promises: Array<Promise<Buffer>>): string[] {
  const released: string[] = [];
  for (const p of promises) void p.then((b) => released.push(b.toString()));
  return released;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("a reply is released only once every live backup acknowledged its seq, in seq order", async () => {
  const acks = new AckTracker();
  acks.addBackup(1, 0);
  acks.addBackup(2, 0);
  const released = track([acks.wait(1, reply("a")), acks.wait(2, reply("b")), acks.wait(3, reply("c"))]);
  acks.ack(1, 3);
  await settle();
  assert.deepEqual(released, [], "one backup out of two is not enough");
  acks.ack(2, 2);
  await settle();
  assert.deepEqual(released, ["a", "b"]);
  acks.ack(2, 3);
  await settle();
  assert.deepEqual(released, ["a", "b", "c"]);
  assert.equal(acks.releasedSeq, 3);
  assert.equal(acks.pending, 0);
});

test("a backup found down stops holding replies back; with none left writes complete at once", async () => {
  const acks = new AckTracker();
  acks.addBackup(1, 0);
  acks.addBackup(2, 0);
  const released = track([acks.wait(1, reply("a")), acks.wait(2, reply("b"))]);
  acks.ack(1, 1);
  acks.removeBackup(2);
  await settle();
  assert.deepEqual(released, ["a"]);
  acks.removeBackup(1);
  await settle();
  assert.deepEqual(released, ["a", "b"]);
  assert.equal((await acks.wait(3, reply("c"))).toString(), "c");
});

test("acks from a backup that is not counted, or older than what it acked, change nothing", async () => {
  const acks = new AckTracker();
  acks.addBackup(1, 5);
  const released = track([acks.wait(6, reply("a"))]);
  acks.ack(9, 6);
  acks.ack(1, 4);
  await settle();
  assert.deepEqual(released, []);
  assert.equal(acks.safeSeq(6), 5);
});
