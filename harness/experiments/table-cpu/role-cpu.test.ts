import assert from "node:assert/strict";
import { test } from "node:test";
import { fixedRun } from "../fig-throughput/test-fixtures.ts";
import { roleCpu, serverTotal } from "./role-cpu.ts";

test("CPU per role is the sum over the role's processes, as % of one CPU and as CPU seconds per 1000 operations", () => {
  // 10 s window at 2000 ops/s = 20 000 operations.
  const run = fixedRun("pbr", "1k", 50, 2000, { cpu: { primary: { processes: 15, cpuSeconds: 6 }, backup: { processes: 30, cpuSeconds: 3 } } });
  const rows = roleCpu([run]);
  assert.deepEqual(
    rows.map((r) => [r.role, r.processes, Number(r.percentOfOneCpu.toFixed(6)), Number(r.cpuSecondsPerKop.toFixed(6))]),
    [
      ["primary", 15, 60, 0.3],
      ["backup", 30, 30, 0.15],
      ["client", 1, 50, 0.25],
    ],
  );
  assert.ok(Math.abs((serverTotal(rows, "pbr", 50, "cpuSecondsPerKop") ?? 0) - 0.45) < 1e-9, "the load generator is not a server role");
  assert.equal(serverTotal(rows, "pbr", 95, "percentOfOneCpu"), undefined);
});

test("native memcached's processes count as the paper's Memcached role, and open-loop runs are left out", () => {
  const memcached = fixedRun("memcached", "1k", 95, 1000, { cpu: { plain: { processes: 15, cpuSeconds: 5 } } });
  const open = fixedRun("plain", "1k", 95, 1000, { loop: "open", cpu: { plain: { processes: 15, cpuSeconds: 5 } } });
  const rows = roleCpu([memcached, open]);
  assert.deepEqual(rows.map((r) => [r.system, r.role]), [["memcached", "memcached"], ["memcached", "client"]]);
});
