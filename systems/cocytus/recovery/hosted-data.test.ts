import assert from "node:assert/strict";
import { test } from "node:test";
import { PAGE_SIZE, createCodec } from "../../codec/codec.ts";
import { Op } from "../../protocol/backend.ts";
import { DataArea, Store } from "../../store/index.ts";
import { mutation } from "../group-simulation.ts";
import { describeMetadata } from "../metadata-dump.ts";
import { ParityProcess } from "../parity-process.ts";
import { HostedDataProcess, type RecoveryMode } from "./hosted-data.ts";

const MEMORY = 8 * 1024 * 1024;

/** A hosted DP_1 over a parity process's replica holding key "a" (1000 bytes at offset 0); page 0 and page 256 not yet repaired. */
async function hostedWithUnrepairedPages(mode: RecoveryMode) {
  const parityProcess = new ParityProcess({
    parityIndex: 0,
    k: 3,
    codec: await createCodec("gf256-vandermonde", 3, 1),
    replicas: Array.from({ length: 3 }, () => new Store({ memoryBytes: MEMORY, classHomes: false, keyTable: false })),
    parityArea: new DataArea({ capacityBytes: MEMORY }),
  });
  const replica = parityProcess.replicas[1];
  assert.ok(replica.replicatePut(-1, Buffer.from("a"), 0, 1000, 0, 0, 7) >= 0);
  parityProcess.hostedMetadata[1] = true;
  const prioritized: number[][] = [];
  const hosted = await HostedDataProcess.start({
    config: { group: 0, index: 3, k: 3, m: 1, members: Array.from({ length: 4 }, () => ({ host: "127.0.0.1", peerPort: 1 })) },
    dataIndex: 1,
    syncTs: 0,
    parityProcess,
    remoteParities: [],
    pagesToRepair: [0, 256],
    itemSize: 1024 * 1024,
    mode,
    repair: { prioritize: (_d, pages) => prioritized.push(pages) },
    onLocalSnapshot: () => {},
    onWait: () => {},
    log: () => {},
  });
  return { hosted, parityProcess, replica, prioritized };
}

const repairedPage = (fill: number) => Buffer.alloc(PAGE_SIZE, fill);

test("a hosted data process answers a read once the key's page is repaired, with the repaired bytes", async () => {
  const { hosted, prioritized } = await hostedWithUnrepairedPages("online");
  const gate = hosted.beforeRead(Buffer.from("a"));
  assert.ok(gate instanceof Promise, "the read waits");
  assert.deepEqual(prioritized, [[0]], "its page goes to the front of the repair");
  hosted.install([0], repairedPage(0x41));
  await gate;
  assert.equal(hosted.beforeRead(Buffer.from("a")), undefined);
  const handle = hosted.dataProcess.items.lookup(Buffer.from("a"), 0);
  assert.equal(hosted.dataProcess.items.value(handle).toString("latin1"), "A".repeat(1000));
  hosted.close();
});

test("a write of a new size waits for the pages of its current and its new region, and planning it leaves the allocation unchanged", async () => {
  const { hosted, replica, prioritized } = await hostedWithUnrepairedPages("online");
  hosted.install([0], repairedPage(0x41));
  const before = JSON.stringify(describeMetadata(replica));
  // 3000 bytes need another slot size: a new region on another slab page (page 256, not repaired).
  const reply = hosted.execute(mutation(Op.Set, "a", { value: Buffer.alloc(3000, "b") }));
  let answered = false;
  void Promise.resolve(reply).then(() => (answered = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(answered, false, "the write waits for page 256");
  assert.deepEqual(prioritized.at(-1), [256]);
  assert.equal(JSON.stringify(describeMetadata(replica)), before, "planning reserved nothing");
  hosted.install([256], repairedPage(0));
  assert.equal((await reply).toString("latin1"), "STORED\r\n");
  assert.equal(hosted.dataProcess.ST, 1, "the write went through the protocol (ts 1 after syncTs 0)");
  hosted.close();
});

test("in blocked mode even a read of a repaired page waits until the whole area is repaired", async () => {
  const { hosted } = await hostedWithUnrepairedPages("blocked");
  hosted.install([0], repairedPage(0x41));
  const gate = hosted.beforeRead(Buffer.from("a"));
  assert.ok(gate instanceof Promise);
  let passed = false;
  void gate.then(() => (passed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(passed, false);
  hosted.install([256], repairedPage(0));
  await gate;
  assert.ok(hosted.complete);
  hosted.close();
});
