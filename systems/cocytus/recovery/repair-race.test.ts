/**
 * The race of the slides, in the in-memory group with explicitly drained FIFO channels:
 * DP0 has failed and its page 0 is being repaired while DP1 keeps updating the same page.
 * Without version synchronization the decoded page is wrong (D1 = g1(f1(2,1,3),5,3) ≠ 2); with
 * it, it is exact. Each rule of the protocol gets a case that breaks it and shows the damage.
 */
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { CODEC_NAMES, PAGE_SIZE, createCodec, type ErasureCodec } from "../../codec/codec.ts";
import { Op } from "../../protocol/backend.ts";
import { mutation, SimulatedGroup } from "../group-simulation.ts";
import { decodePages } from "./decode-pages.ts";
import { decodePageSnapshot, encodePageSnapshot, RecoveryFrame, type SnapshotRequest } from "./frames.ts";
import { answerSnapshotRequest, takePageSnapshot, type PagesAtVersion } from "./page-snapshot.ts";
import { WorkingCopies, type ParityVersion } from "./working-copies.ts";

const value = (fill: number, length = 1000) => Buffer.alloc(length, fill);

/** Preparation for the lost data processes: min RVT over the parity processes, applied everywhere. */
function prepare(g: SimulatedGroup, lost: readonly number[]): void {
  for (const d of lost) {
    const syncTs = Math.min(...g.parityProcesses.map((p) => p.RVT[d]));
    for (const p of g.parityProcesses) p.synchronize(d, syncTs);
  }
}

/** Delivers DP_d's frames to PP_j in order; page snapshots go to the working copies. */
function deliver(g: SimulatedGroup, d: number, j: number, copies: WorkingCopies): void {
  const channel = g.toParity[d][j];
  while (channel.length > 0) {
    if (channel[0].type === RecoveryFrame.PageSnapshot) {
      const snapshot = decodePageSnapshot(channel.shift()!.payload);
      copies.onSnapshot(snapshot.batch, d, snapshot.stable, snapshot.bytes);
    } else {
      g.deliverToParity(d, j, 1);
    }
  }
}

/** DP_d answers a snapshot request on its FIFO channels to the parity processes. */
function snapshot(g: SimulatedGroup, d: number, request: SnapshotRequest): void {
  answerSnapshotRequest(g.dataProcesses[d], request, (j, type, payload) => g.toParity[d][j].push({ type, payload: Buffer.from(payload) }));
}

/** Lets DP_d's requests complete: every parity process receives them and acknowledges. */
function complete(g: SimulatedGroup, d: number): void {
  for (let j = 0; j < g.m; j++) {
    g.deliverToParity(d, j);
    g.deliverToData(d, j);
  }
}

/** The true page 0 of every data process (the failed ones are frozen at their last stable state). */
function truePage(g: SimulatedGroup, d: number): Buffer {
  return Buffer.from(g.dataProcesses[d].store.dataArea.view(0, PAGE_SIZE));
}

for (const codecName of CODEC_NAMES) describe(`online repair of a page while a surviving data process updates it (k = 3, m = 2, ${codecName})`, () => {
  let codec: ErasureCodec;
  let g: SimulatedGroup;

  beforeEach(async () => {
    codec = await createCodec(codecName, 3, 2);
    // The slides' stripe: D1 = 2, D2 = 1, D3 = 3, all in page 0 (offset 0 of each data area, so no class homes).
    g = new SimulatedGroup({ k: 3, m: 2, codec, classHomes: false });
    g.execute(0, mutation(Op.Set, "a", { value: value(2) }));
    g.execute(1, mutation(Op.Set, "b", { value: value(1) }));
    g.execute(2, mutation(Op.Set, "c", { value: value(3) }));
    g.settle();
    assert.deepEqual(await g.inconsistentPages(), []);
  });

  /** Lets an asynchronous codec finish patching (the simulation's deliveries are synchronous). */
  const settled = () => Promise.all(g.parityProcesses.map((p) => p.settled()));

  /**
   * DP0 fails. PP0 (the leader) opens a working copy of page 0 with providers DP1 and DP2. Then
   * DP1 sets b = 5 (completed: ts 2, its commit goes out) and starts another set on page 0 (ts 3,
   * received by the parity processes, not completed). DP1's snapshot (ST = 2) follows on the same
   * channel, behind the Update of ts 3 that carries the commit of ts 2.
   */
  async function repairPageZeroDuringUpdates(version: ParityVersion, takeSnapshot?: () => void): Promise<Buffer> {
    prepare(g, [0]);
    await settled();
    const copies = new WorkingCopies(g.parityProcesses[0], codec, version);
    const opened = copies.open(1, [0], [1, 2]);
    await opened.copied;
    g.execute(1, mutation(Op.Set, "b", { value: value(5) }));
    complete(g, 1);
    await Promise.resolve();
    assert.equal(g.dataProcesses[1].ST, 2, "DP1 completed the set of b = 5 before the snapshot");
    g.execute(1, mutation(Op.Set, "b2", { value: value(7) }));
    g.runDeferred();
    g.deliverToParity(1, 1);
    const request: SnapshotRequest = { batch: 1, targets: [0], bytesTo: 0, pages: [0] };
    if (takeSnapshot) takeSnapshot();
    else snapshot(g, 1, request);
    snapshot(g, 2, request);
    for (const d of [1, 2]) deliver(g, d, 0, copies);
    const batch = await opened.result;
    if (!takeSnapshot) assert.equal(batch.stables.get(1), 2, "the snapshot reflects ts 2, not the pending ts 3");
    const decoded = await decodePages(codec, { pageCount: 1, data: batch.snapshots, parity: new Map([[0, batch.copies]]) }, [0]);
    return decoded.get(0)!;
  }

  test("with version synchronization the repaired page is exactly the failed process's page", async () => {
    const repaired = await repairPageZeroDuringUpdates("exact");
    assert.ok(repaired.equals(truePage(g, 0)));
    assert.equal(repaired[0], 2);
  });

  test("without version synchronization (live parity) the repaired page is wrong: D1 = g1(f1(2,1,3),5,3) ≠ 2", async () => {
    const repaired = await repairPageZeroDuringUpdates("live");
    assert.ok(!repaired.equals(truePage(g, 0)));
    assert.notEqual(repaired[0], 2);
  });

  test("parity brought beyond the snapshot's ST (every received diff) gives a wrong page", async () => {
    const repaired = await repairPageZeroDuringUpdates("received");
    assert.ok(!repaired.equals(truePage(g, 0)));
  });

  test("without holding the providers' commits, a commit applied during the batch is missing from the copy and the page is wrong", async () => {
    const repaired = await repairPageZeroDuringUpdates("unheld");
    assert.ok(!repaired.equals(truePage(g, 0)));
  });

  test("a snapshot whose page and ST are not taken in one step gives a wrong page", async () => {
    // Bytes copied before DP1's second set completes, ST read after: the ST claims a version the bytes lack.
    let early: PagesAtVersion | undefined;
    const repaired = await repairPageZeroDuringUpdates("exact", () => {
      g.execute(1, mutation(Op.Set, "b", { value: value(9) }));
      g.deliverToParity(1, 0);
      early = takePageSnapshot(g.dataProcesses[1], [0]);
      g.deliverToParity(1, 1);
      for (let j = 0; j < 2; j++) g.deliverToData(1, j);
      assert.ok(g.dataProcesses[1].ST > early.stable, "a request completed between the copy and the ST read");
      g.toParity[1][0].push({ type: RecoveryFrame.PageSnapshot, payload: encodePageSnapshot(1, g.dataProcesses[1].ST, early.bytes) });
    }).catch((error: Error) => error);
    assert.ok(repaired instanceof Buffer, String(repaired));
    assert.ok(!repaired.equals(truePage(g, 0)));
  });

  test("a snapshot taken in one step at that same moment decodes right", async () => {
    const repaired = await repairPageZeroDuringUpdates("exact", () => {
      g.execute(1, mutation(Op.Set, "b", { value: value(9) }));
      g.deliverToParity(1, 0);
      g.deliverToParity(1, 1);
      for (let j = 0; j < 2; j++) g.deliverToData(1, j);
      snapshot(g, 1, { batch: 1, targets: [0], bytesTo: 0, pages: [0] });
    });
    assert.ok(repaired.equals(truePage(g, 0)));
  });

  describe("two data processes lost (DP0 and DP2): both parity pages are needed", () => {
    async function repairTwo(secondVersion: ParityVersion): Promise<Map<number, Buffer>> {
      prepare(g, [0, 2]);
      await settled();
      const first = new WorkingCopies(g.parityProcesses[0], codec, "exact");
      const second = new WorkingCopies(g.parityProcesses[1], codec, secondVersion);
      const a = first.open(1, [0], [1]);
      const b = second.open(1, [0], [1]);
      await Promise.all([a.copied, b.copied]);
      g.execute(1, mutation(Op.Set, "b", { value: value(5) }));
      complete(g, 1);
      await Promise.resolve();
      g.execute(1, mutation(Op.Set, "b2", { value: value(7) }));
      g.runDeferred();
      snapshot(g, 1, { batch: 1, targets: [0, 1], bytesTo: 0, pages: [0] });
      deliver(g, 1, 0, first);
      deliver(g, 1, 1, second);
      const [atFirst, atSecond] = await Promise.all([a.result, b.result]);
      assert.equal(atSecond.snapshots.get(1)!.length, 0, "the second parity process gets the ST only");
      return decodePages(codec, { pageCount: 1, data: atFirst.snapshots, parity: new Map([[0, atFirst.copies], [1, atSecond.copies]]) }, [0, 2]);
    }

    test("with the second parity page brought to the same versions, both pages are exact", async () => {
      const decoded = await repairTwo("exact");
      assert.ok(decoded.get(0)!.equals(truePage(g, 0)));
      assert.ok(decoded.get(2)!.equals(truePage(g, 2)));
    });

    test("with the second parity page taken live, the decoded pages are wrong", async () => {
      const decoded = await repairTwo("live");
      assert.ok(!decoded.get(0)!.equals(truePage(g, 0)) || !decoded.get(2)!.equals(truePage(g, 2)));
    });
  });

  test("after a batch, the held commits are applied and the group is consistent again", async () => {
    await repairPageZeroDuringUpdates("exact");
    // DP0 is gone; the others' traffic settles and the parity must again encode the data.
    for (let round = 0; round < 5; round++) {
      g.runDeferred();
      for (const d of [1, 2]) complete(g, d);
      await settled();
    }
    assert.equal(g.parityProcesses[0].SVT[1], g.dataProcesses[1].ST);
    assert.deepEqual(await g.inconsistentPages(), []);
  });
});
