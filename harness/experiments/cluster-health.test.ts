import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestGroup } from "../../systems/cocytus/test-group.ts";
import type { ProcessInfo, Role } from "../deploy/types.ts";
import { lostMembers, throwIfLostMembers } from "./cluster-health.ts";
import { readServerStats, type ServerStats } from "./server-stats.ts";

const row = (id: string, role: Role, group: number, index: number): ProcessInfo => ({ id, node: index, role, group, index, host: "127.0.0.1", port: 1, pid: 1 });

test("a real cocytus group is whole until a parity process dies, then every data process names what it lost", async () => {
  const g = await startTestGroup({ k: 3, m: 2, memoryMb: 16, env: { COCYTUS_FAILURE_TIMEOUT_MS: "1000" } });
  try {
    const table = g.members.map((m) => ({ ...row(`cocytus-g0-${m.role}${m.index}`, m.role, 0, m.index), port: m.port }));
    const statsOf = async (rows: ProcessInfo[]) => new Map<string, ServerStats>(await Promise.all(rows.map(async (p) => [p.id, await readServerStats(p.host, p.port)] as const)));
    assert.deepEqual(lostMembers(table, await statsOf(table)), []);

    await g.kill(4);
    const alive = table.filter((p) => p.index !== 4);
    let lost: string[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && lost.length < 3; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      lost = lostMembers(table, await statsOf(alive));
    }
    assert.deepEqual(lost, [0, 1, 2].map((i) => `cocytus-g0-data${i} sends to 1 of its 2 parity processes`), g.logs());
  } finally {
    await g.stop();
  }
});

test("a pbr member that sees fewer than its group's members is named; other groups and plain processes are not", () => {
  const table = [row("pbr-g0-primary", "primary", 0, 0), row("pbr-g0-backup1", "backup", 0, 1), row("pbr-g0-backup2", "backup", 0, 2), row("pbr-g1-primary", "primary", 1, 0), row("plain-0", "plain", 0, 0)];
  const stats = new Map<string, ServerStats>([
    ["pbr-g0-primary", { pbr_live_members: "2" }],
    ["pbr-g0-backup1", { pbr_live_members: "2" }],
    ["pbr-g0-backup2", { pbr_live_members: "3" }],
    ["pbr-g1-primary", { pbr_live_members: "1" }],
    ["plain-0", { curr_items: "5" }],
  ]);
  assert.deepEqual(lostMembers(table, stats), ["pbr-g0-primary sees 2 of its group's 3 members", "pbr-g0-backup1 sees 2 of its group's 3 members"]);
});

test("a measurement from a cluster that lost members is refused with the members named, one from a whole cluster is not", () => {
  const table = [row("pbr-g0-primary", "primary", 0, 0), row("pbr-g0-backup1", "backup", 0, 1), row("pbr-g0-backup2", "backup", 0, 2)];
  const whole = new Map<string, ServerStats>(table.map((p) => [p.id, { pbr_live_members: "3" }]));
  assert.doesNotThrow(() => throwIfLostMembers(table, whole, "so the phase is void"));
  const degraded = new Map(whole).set("pbr-g0-backup2", { pbr_live_members: "1" });
  assert.throws(() => throwIfLostMembers(table, degraded, "so the phase is void"), {
    message: "the cluster lost members, so the phase is void: pbr-g0-backup2 sees 1 of its group's 3 members. A failure detector timed out: was something else using the machine?",
  });
});
