import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeConfig } from "../cluster/types.ts";
import { groupMembers, place, type PlacedProcess } from "./placement.ts";

function nodes(count: number, host = (i: number) => `127.0.1.${i + 1}`): NodeConfig[] {
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    name: `node${i + 1}`,
    host: host(i),
    sshHost: host(i),
    transport: { kind: "local" },
    workDir: `/tmp/work/node${i + 1}`,
  }));
}

function assertNoPortClash(processes: PlacedProcess[]): void {
  const seen = new Map<string, string>();
  for (const p of processes) {
    for (const port of p.peerPort === undefined ? [p.port] : [p.port, p.peerPort]) {
      const key = `${p.host}:${port}`;
      assert.equal(seen.get(key), undefined, `${key} used by ${seen.get(key)} and ${p.id}`);
      seen.set(key, p.id);
    }
  }
}

test("plain places 15 processes, process p on node p mod 5, without peer ports", () => {
  const placement = place(nodes(5), { mode: "plain", basePort: 20000 });
  assert.equal(placement.processes.length, 15);
  assert.deepEqual(placement.shape, { mode: "plain", groups: 15 });
  placement.processes.forEach((p, i) => {
    assert.equal(p.id, `plain-${i}`);
    assert.equal(p.group, i);
    assert.equal(p.node, i % 5);
    assert.equal(p.host, `127.0.1.${(i % 5) + 1}`);
    assert.equal(p.role, "plain");
    assert.equal(p.peerPort, undefined);
  });
  assert.deepEqual(placement.processes.filter((p) => p.node === 0).map((p) => p.port), [20000, 20001, 20002]);
  assertNoPortClash(placement.processes);
});

test("pbr places 15 groups of a primary on g mod 5 and backups on g+1 and g+2", () => {
  const placement = place(nodes(5), { mode: "pbr", basePort: 20000 });
  assert.equal(placement.processes.length, 45);
  assert.deepEqual(placement.shape, { mode: "pbr", groups: 15 });
  for (let g = 0; g < 15; g++) {
    const members = groupMembers(placement.processes, g);
    assert.deepEqual(members.map((p) => p.role), ["primary", "backup", "backup"]);
    assert.deepEqual(members.map((p) => p.node), [g % 5, (g + 1) % 5, (g + 2) % 5]);
    assert.deepEqual(members.map((p) => p.id), [`pbr-g${g}-primary`, `pbr-g${g}-backup1`, `pbr-g${g}-backup2`]);
    for (const p of members) assert.ok(p.peerPort !== undefined);
  }
  for (let node = 0; node < 5; node++) assert.equal(placement.processes.filter((p) => p.node === node).length, 9);
  assertNoPortClash(placement.processes);
});

test("cocytus places 5 groups of 3 data and 2 parity, member l of group g on node (g + l) mod 5", () => {
  const placement = place(nodes(5), { mode: "cocytus", basePort: 20000 });
  assert.equal(placement.processes.length, 25);
  assert.deepEqual(placement.shape, { mode: "cocytus", groups: 5, k: 3 });
  assert.equal(placement.k, 3);
  assert.equal(placement.m, 2);
  for (let g = 0; g < 5; g++) {
    const members = groupMembers(placement.processes, g);
    assert.deepEqual(members.map((p) => p.role), ["data", "data", "data", "parity", "parity"]);
    assert.deepEqual(members.map((p) => p.node), [0, 1, 2, 3, 4].map((l) => (g + l) % 5));
    assert.deepEqual(members.map((p) => p.id), [`cocytus-g${g}-data0`, `cocytus-g${g}-data1`, `cocytus-g${g}-data2`, `cocytus-g${g}-parity0`, `cocytus-g${g}-parity1`]);
  }
  for (let node = 0; node < 5; node++) assert.equal(placement.processes.filter((p) => p.node === node).length, 5);
  assertNoPortClash(placement.processes);
});

test("cocytus takes other coding parameters, RS(4,1) and RS(2,3)", () => {
  const rs41 = place(nodes(5), { mode: "cocytus", k: 4, m: 1, basePort: 20000 });
  assert.deepEqual(rs41.shape, { mode: "cocytus", groups: 5, k: 4 });
  assert.deepEqual(groupMembers(rs41.processes, 2).map((p) => p.role), ["data", "data", "data", "data", "parity"]);
  const rs23 = place(nodes(5), { mode: "cocytus", k: 2, m: 3, groups: 2, basePort: 20000 });
  assert.equal(rs23.processes.length, 10);
  assert.deepEqual(groupMembers(rs23.processes, 1).map((p) => p.node), [1, 2, 3, 4, 0]);
});

test("cocytus refuses k + m larger than the node count, naming both", () => {
  assert.throws(() => place(nodes(5), { mode: "cocytus", k: 4, m: 2, basePort: 20000 }), /RS\(4,2\) needs k \+ m = 6 nodes.*has 5 nodes/);
  assert.throws(() => place(nodes(5), { mode: "cocytus", k: 0, m: 2, basePort: 20000 }), /cocytus k .* must be a positive integer, found 0/);
  assert.throws(() => place(nodes(5), { mode: "cocytus", k: 3, m: 1.5, basePort: 20000 }), /cocytus m .* found 1.5/);
});

test("pbr refuses a cluster too small for three replicas on distinct nodes", () => {
  assert.throws(() => place(nodes(2), { mode: "pbr", basePort: 20000 }), /at least 3 nodes; the cluster has 2/);
});

test("nodes that share an address share one port counter, so no host:port is used twice", () => {
  const placement = place(nodes(5, () => "127.0.0.1"), { mode: "cocytus", basePort: 30000 });
  assertNoPortClash(placement.processes);
  const ports = placement.processes.flatMap((p) => [p.port, p.peerPort ?? -1]);
  assert.equal(Math.min(...ports), 30000);
  assert.equal(Math.max(...ports), 30049);
});

test("bad base ports, group counts and modes are refused with what was found", () => {
  assert.throws(() => place(nodes(5), { mode: "plain", basePort: 70000 }), /basePort must be a port number 1..65535, found 70000/);
  assert.throws(() => place(nodes(5), { mode: "plain", basePort: 65534 }), /ran out of ports on node1/);
  assert.throws(() => place(nodes(5), { mode: "pbr", groups: -1, basePort: 20000 }), /pbr group count .* found -1/);
  assert.throws(() => place(nodes(5), { mode: "nope" as never, basePort: 20000 }), /mode must be plain, pbr or cocytus, found "nope"/);
  assert.throws(() => place([], { mode: "plain", basePort: 20000 }), /no nodes/);
});
