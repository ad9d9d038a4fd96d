/**
 * End to end: a real group (3 data and 2 parity processes, each its own OS process) under a
 * bounded running write load. A data process is killed (SIGKILL), then a second member; every
 * acknowledged write must stay readable with its last acknowledged value (the values carry key,
 * version and checksum), no read may return bytes never written, and afterwards the group must
 * be consistent (parity = encode(data), replicas = indexes) with the failed processes' data
 * served by the recovery leader.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { seededRandom } from "../../../test/support/seeded-random.ts";
import { DEFAULT_CODEC, createCodec } from "../../codec/codec.ts";
import { startTestGroup, type TestGroup } from "../test-group.ts";
import { CheckedGroupClient, type LoadResult } from "./checked-client.ts";
import { checkRecoveredGroup } from "./recovered-check.ts";
import { memberStats, waitFor } from "./test-helpers.ts";
import { askCocytusView, type CocytusView } from "./view.ts";

const K = 3;
const M = 2;
const KEYS = Array.from({ length: 3000 }, (_, n) => `key-${n}`);
const SIZES = [100, 700, 1000, 1500, 3000, 5000];

function sizeOf(key: string): number {
  return SIZES[Number(key.slice(4)) % SIZES.length];
}

function stats(group: TestGroup, index: number): Promise<Record<string, string>> {
  return memberStats(group.members[index].host, group.members[index].port);
}

/** The view once every data index has an owner and the leader finished repairing. */
async function repairedView(group: TestGroup, leader: number): Promise<CocytusView> {
  await waitFor("the repair to complete", async () => ((await stats(group, leader)).recovery_state === "repaired" ? true : undefined), 60_000);
  const member = group.members[leader];
  return askCocytusView(member.host, member.port);
}

function share(result: LoadResult): string {
  return `${result.failed} of ${result.operations} requests failed or timed out (${((100 * result.failed) / Math.max(1, result.operations)).toFixed(2)} %)`;
}

interface Scenario {
  name: string;
  /** The second member killed, after the first data process (1). */
  second: number;
  /** The parity process that leads once both are gone. */
  leader: number;
  env?: Record<string, string>;
}

const scenarios: Scenario[] = [
  { name: "a data process, then a second data process", second: 2, leader: 3 },
  { name: "a data process, then the recovery leader itself", second: 3, leader: 4 },
  { name: "a data process, then the parity process that is not the leader", second: 4, leader: 3 },
];

for (const scenario of scenarios) {
  describe(`a real group under write load loses ${scenario.name}`, () => {
    let group: TestGroup | undefined;
    let client: CheckedGroupClient | undefined;

    after(async () => {
      await client?.close();
      await group?.stop();
    });

    test("every acknowledged write stays readable with its last acknowledged value, and the group is consistent afterwards", async (t) => {
      group = await startTestGroup({ k: K, m: M, memoryMb: 64, env: { COCYTUS_REPAIR_BATCH_PAGES: "16", ...scenario.env } });
      const g = group;
      const addresses = g.members.map((member) => `${member.host}:${member.port}`);
      const initial = await waitFor("the first view", () => askCocytusView(g.members[3].host, g.members[3].port), 10_000);
      client = new CheckedGroupClient(initial, K, addresses, 3000);
      const random = seededRandom(20260501);
      assert.equal(await client.preload(KEYS, sizeOf), 0, "every preload write is acknowledged");

      let killed = 0;
      const result = await client.run(KEYS, sizeOf, () => random.next(), {
        operations: 24_000,
        maxMs: 60_000,
        writeShare: 0.5,
        window: 32,
        onProgress: async (done) => {
          if (done === 4000 && killed === 0) {
            killed = 1;
            await g.kill(1);
          } else if (done === 12_000 && killed === 1) {
            killed = 2;
            await g.kill(scenario.second);
          }
        },
      });
      t.diagnostic(`${share(result)} in ${result.elapsedMs} ms`);
      assert.equal(killed, 2, "both members were killed during the load");
      assert.deepEqual(result.violations, [], "no read returned a value the key could not hold");
      assert.ok(result.failed < result.operations * 0.2, share(result));

      const view = await repairedView(g, scenario.leader);
      assert.equal(view.owners[1], scenario.leader, `data index 1 is served by the leader: ${JSON.stringify(view)}`);
      if (scenario.second < K) assert.equal(view.owners[scenario.second], scenario.leader);
      const leaderStats = await stats(g, scenario.leader);
      t.diagnostic(
        `leader ${scenario.leader}: prep_block_ms=${leaderStats.prep_block_ms} pages_repaired=${leaderStats.pages_repaired} ` +
          `repair_bytes_per_sec=${leaderStats.repair_bytes_per_sec} requests_waited_on_repair=${leaderStats.requests_waited_on_repair}`,
      );
      assert.ok(Number(leaderStats.pages_repaired) > 100, `the leader repaired pages: ${JSON.stringify(leaderStats)}`);

      const verified = await client.verifyAll(KEYS);
      assert.equal(verified.failed, 0, "every key could be read after the repair");
      assert.deepEqual(client.violations, [], "every key holds its last acknowledged value (or one of its unacknowledged writes)");

      const consistency = await checkRecoveredGroup({ group: 0, k: K, m: M, members: g.members.map((m) => ({ host: m.host, peerPort: m.peerPort })), view }, await createCodec(DEFAULT_CODEC, K, M));
      assert.ok(consistency.pages > 100, `the check compared ${consistency.pages} pages`);
      assert.deepEqual(consistency.badReplicas, []);
      assert.deepEqual(consistency.badPages, []);
    });
  });
}
