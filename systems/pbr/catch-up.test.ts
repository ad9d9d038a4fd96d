import assert from "node:assert/strict";
import { test } from "node:test";
import { Op } from "../protocol/backend.ts";
import { executeMutation } from "../protocol/semantics.ts";
import { Store } from "../store/index.ts";
import { applyWrite } from "./apply-write.ts";
import { sendCatchUp } from "./catch-up.ts";
import { blankWrite, decodeCatchUpBegin, decodeWrites, PbrFrame, WriteBatch } from "./frames.ts";
import { RemovalLog } from "./removal-log.ts";
import { ReplicatingWrites } from "./replicating-writes.ts";
import { mutation, randomWrites, snapshot } from "./test-writes.ts";

const newStore = () => new Store({ memoryBytes: 256 * 1024 * 1024, maxValueBytes: 64 * 1024 });

/**
 * A member that took over (store + log, fed by ReplicatingWrites as when it was primary or applied
 * them as a backup) and a follower that applied only the first `followerSeq` writes.
 */
function diverge(writes: ReturnType<typeof randomWrites>, followerSeq: number, logCapacity = 4096) {
  const leader = newStore();
  const log = new RemovalLog(logCapacity);
  const stream: Buffer[] = [];
  const batch = new WriteBatch();
  const sink = new ReplicatingWrites(leader, log, batch, () => stream.push(Buffer.from(batch.take()!)));
  for (const m of writes) executeMutation(leader, m, 1024 * 1024, sink);
  const follower = newStore();
  for (const payload of stream.slice(0, followerSeq)) decodeWrites(payload, blankWrite(), (w) => applyWrite(follower, w));
  return { leader, log, follower, leaderSeq: sink.seq, stream };
}

/** Applies catch-up frames as a follower does. */
function applyCatchUp(follower: Store, frames: Array<[number, Buffer]>): void {
  for (const [type, payload] of frames) {
    if (type === PbrFrame.CatchUpBegin && decodeCatchUpBegin(payload).full) follower.clear();
    if (type === PbrFrame.Write) decodeWrites(payload, blankWrite(), (w) => applyWrite(follower, w));
  }
}

function catchUp(leader: Store, log: RemovalLog, follower: Store, fromSeq: number, toSeq: number) {
  const frames: Array<[number, Buffer]> = [];
  const summary = sendCatchUp(leader, log, fromSeq, toSeq, 2, (type, payload) => frames.push([type, Buffer.from(payload)]));
  applyCatchUp(follower, frames);
  assert.equal(frames[0][0], PbrFrame.CatchUpBegin);
  assert.equal(frames.at(-1)![0], PbrFrame.CatchUpEnd);
  return summary;
}

test("a replica that applies the whole write stream holds exactly the primary's items and CAS values", () => {
  const { leader, stream, follower } = diverge(randomWrites(1, 600), Infinity);
  assert.ok(stream.length > 300, `expected hundreds of primitive writes, found ${stream.length}`);
  assert.deepEqual(snapshot(follower), snapshot(leader));
});

test("catch-up from a lagging follower sends only the keys written since, and leaves the stores equal", () => {
  const { leader, log, follower, leaderSeq } = diverge(randomWrites(2, 800), 400);
  assert.ok(leaderSeq > 550, `expected more than 550 primitive writes, found ${leaderSeq}`);
  assert.notDeepEqual(snapshot(follower), snapshot(leader), "the follower lags before the catch-up");
  const summary = catchUp(leader, log, follower, 400, leaderSeq);
  assert.equal(summary.full, false);
  assert.ok(summary.items + summary.removes <= leaderSeq - 400, `sent ${summary.items} items and ${summary.removes} removes for ${leaderSeq - 400} writes`);
  assert.ok(summary.removes > 0, "the gap had deletes whose keys only the removal log knows");
  assert.deepEqual(snapshot(follower), snapshot(leader));
});

test("catch-up leaves the stores equal whatever the follower's seq, down to one write behind", () => {
  const writes = [...randomWrites(7, 500), mutation(Op.Set, "last", "value")];
  const total = diverge(writes, 0).leaderSeq;
  for (const lag of [1, 2, 3, 7, 30, 120, total]) {
    const { leader, log, follower, leaderSeq } = diverge(writes, total - lag);
    catchUp(leader, log, follower, total - lag, leaderSeq);
    assert.deepEqual(snapshot(follower), snapshot(leader), `a follower ${lag} writes behind`);
  }
});

test("catch-up of a follower that is not behind sends nothing but the begin and end frames", () => {
  const { leader, log, follower, leaderSeq } = diverge(randomWrites(3, 200), Infinity);
  const summary = catchUp(leader, log, follower, leaderSeq, leaderSeq);
  assert.deepEqual(summary, { full: false, items: 0, removes: 0 });
  assert.deepEqual(snapshot(follower), snapshot(leader));
});

test("a flush_all in the gap makes the catch-up a full resync", () => {
  const writes = [...randomWrites(4, 300), mutation(Op.FlushAll, ""), ...randomWrites(5, 100)];
  const { leader, log, follower, leaderSeq } = diverge(writes, 200);
  const summary = catchUp(leader, log, follower, 200, leaderSeq);
  assert.equal(summary.full, true);
  assert.deepEqual(snapshot(follower), snapshot(leader));
});

test("a gap longer than the removal log reaches makes the catch-up a full resync", () => {
  const { leader, log, follower, leaderSeq } = diverge(randomWrites(6, 600), 100, 8);
  assert.equal(log.covers(100), false);
  const summary = catchUp(leader, log, follower, 100, leaderSeq);
  assert.equal(summary.full, true);
  assert.equal(summary.items, leader.stats().curr_items);
  assert.deepEqual(snapshot(follower), snapshot(leader));
});
