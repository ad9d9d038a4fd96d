import assert from "node:assert/strict";
import { test } from "node:test";
import { route } from "../../../systems/routing/router.ts";
import { parseEndpoints, targetsFromEndpoints, targetsFromProcessTable } from "./targets.ts";

const keys = Array.from({ length: 200 }, (_, i) => Buffer.from(`user${i * 7919}`));

test("a target list is parsed from host:port pairs, and bad entries say which and why", () => {
  assert.deepEqual(parseEndpoints("127.0.0.1:11211, localhost:5", "--target"), [
    { host: "127.0.0.1", port: 11211 },
    { host: "localhost", port: 5 },
  ]);
  assert.throws(() => parseEndpoints("127.0.0.1:11211,nohost", "--target"), /--target\[1\]: expected host:port .* found "nohost"/);
  assert.throws(() => parseEndpoints("h:70000", "--target"), /port from 1 to 65535, found "h:70000"/);
});

test("one server takes every key, and several servers are routed as plain processes in list order", () => {
  const one = targetsFromEndpoints([{ host: "a", port: 1 }]);
  assert.ok(keys.every((k) => one.router(k, 0, k.length) === 0));
  const three = targetsFromEndpoints(["a", "b", "c"].map((host) => ({ host, port: 1 })));
  for (const k of keys) assert.equal(three.router(k, 0, k.length), route(k, { mode: "plain", groups: 3 }).group);
});

test("a cocytus process table routes each key to the data process the routing contract names", () => {
  const rows = [];
  for (let g = 0; g < 5; g++) for (let l = 0; l < 5; l++) rows.push({ id: `c-${g}-${l}`, node: (g + l) % 5, role: l < 3 ? "data" : "parity", group: g, index: l, host: `127.0.1.${((g + l) % 5) + 1}`, port: 20000 + g * 5 + l, pid: 1 });
  const targets = targetsFromProcessTable({ processes: rows });
  assert.deepEqual(targets.shape, { mode: "cocytus", groups: 5, k: 3 });
  assert.equal(targets.endpoints.length, 15);
  for (const k of keys) {
    const r = route(k, { mode: "cocytus", groups: 5, k: 3 });
    const e = targets.endpoints[targets.router(k, 0, k.length)];
    assert.deepEqual(e, { host: `127.0.1.${((r.group + r.member) % 5) + 1}`, port: 20000 + r.group * 5 + r.member });
  }
});

test("a pbr process table routes to the group's primary", () => {
  const rows = [];
  for (let g = 0; g < 15; g++) for (let i = 0; i < 3; i++) rows.push({ role: i === 0 ? "primary" : "backup", group: g, index: i, host: "127.0.0.1", port: 30000 + g * 3 + i });
  const targets = targetsFromProcessTable(rows);
  for (const k of keys) assert.equal(targets.endpoints[targets.router(k, 0, k.length)].port, 30000 + route(k, { mode: "pbr", groups: 15 }).group * 3);
});

test("a bad process table is refused with the path of the bad field", () => {
  assert.throws(() => targetsFromProcessTable([{ role: "plain", group: 0, index: 0, host: "h", port: "x" }]), /process table\[0\]\.port must be a port from 1 to 65535, found "x"/);
  assert.throws(() => targetsFromProcessTable([{ role: "plain", group: 1, index: 0, host: "h", port: 1 }]), /no plain process for group 0/);
  assert.throws(() => targetsFromProcessTable({}), /expected a JSON array of processes/);
});
