import assert from "node:assert/strict";
import { test } from "node:test";
import { memorySummary } from "./summary.ts";
import { fixedMeasurement, fourSystems } from "./test-fixtures.ts";

test("the summary puts our numbers beside the paper's, each paper number with its source", () => {
  const text = memorySummary({ measurements: fourSystems(["1k", "4k", "16k", "zipf"]), unavailable: [], header: ["Run x."] });
  assert.match(text, /\| plain \(ours\) \| 1\.050 \| 1\.050 \| 1\.050 \| 1\.050 \| this run \|/);
  assert.match(text, /\| memcached 1\.6\.18, one process \| 1\.18 \| 1\.13 \| 1\.075 \| 1\.89 \| DESIGN §12 \(measured on this machine\) \|/);
  // 1 − 1.9 / 3.2 = 40.6 %
  assert.match(text, /\| Cocytus memory saved vs PBR \(1 − cocytus\/pbr\) \| 41 % \| 41 % \| 41 % \| 41 % \| 33–46 % \(paper abstract \(FAST'16\)\); 46 % at 16 KB, ~20 % Zipf \(DESIGN §11/);
  assert.match(text, /1\.7–2× \(DESIGN §11/);
  assert.match(text, /25 % \/ 9\.5 % \/ 4 % at 1 \/ 4 \/ 16 KB/);
  // metadata 0.15 of stats total 1.82
  assert.match(text, /\| Cocytus metadata \+ keys \/ Cocytus memory \(stats\) \| 8\.2 %/);
  assert.match(text, /\| plain \(ours\) \/ native memcached \| 0\.89 \|/);
  assert.match(text, /\| plain vs its target \| 1\.050 ≤ 1\.1 ✓ \|/);
  assert.match(text, /\| 1\.050 > 1\.02 ✗ \| 1\.050 ≤ 1\.6 ✓ \|/);
});

test("the summary says where our systems' RSS went, and leaves out native memcached, which reports no accounting", () => {
  const text = memorySummary({ measurements: fourSystems(["1k"]), unavailable: [], header: [] });
  const section = text.slice(text.indexOf("## Where the RSS went"));
  assert.match(section, /- cocytus 1k \(1\.0 MB of values\): 1 plain: RSS \+1\.9 MB = store \+1\.8 MB, V8 heap \+0\.0 MB, rest \+0\.1 MB; 0 of 1 finished an idle collection/);
  assert.match(section, /- plain 1k /);
  assert.doesNotMatch(section.slice(0, section.indexOf("\n## ", 3)), /memcached/);
});

test("systems that could not be measured are named with the reason, and ratios needing them are left out", () => {
  const text = memorySummary({ measurements: [fixedMeasurement("plain", "1k", 1.1)], unavailable: [{ system: "pbr", reason: "could not be brought up: no mode pbr" }], header: [] });
  assert.match(text, /## Not measured\n\n- \*\*pbr\*\*: could not be brought up: no mode pbr/);
  assert.doesNotMatch(text, /saved vs PBR/);
});

test("the loads table shows the warm-up and the cold figure counted from idle, warm-up values included", () => {
  const m = fixedMeasurement("plain", "1k", 1.1);
  // 100 MiB of values grew RSS by 110 MiB after a warm-up that itself added 2 MiB of values and 8 MiB in all.
  m.load = { ...m.load, valueBytes: 100 * 2 ** 20 };
  m.rssGrowthBytes = 110 * 2 ** 20;
  m.warmup = { records: 2000, valueBytes: 2 * 2 ** 20, rssIdleBytes: 40 * 2 ** 20, startupGrowthBytes: 8 * 2 ** 20 };
  const text = memorySummary({ measurements: [m], unavailable: [], header: [] });
  // cold: (110 + 8) / (100 + 2) = 1.157
  assert.match(text, /\| plain \| 1k \| [^|]+ \| 100\.0 \| [^|]+ \| [^|]+ \| 2000 \| 8\.0 \| [^|]+ \| 110\.0 \| 1\.157 \|/);
  assert.match(text, /after a warm-up load of other keys/);
});

test("the summary names the run's machine, and warns when transparent huge pages are always on", () => {
  const quiet = memorySummary({ measurements: [fixedMeasurement("plain", "1k", 1.1)], unavailable: [], header: [], machine: { cores: 2, kernel: "6.1.0", transparentHugePages: "madvise" } });
  assert.match(quiet, /This run's machine: 2 cores, kernel 6\.1\.0, transparent huge pages madvise\./);
  assert.doesNotMatch(quiet, /Warning/);
  const always = memorySummary({ measurements: [fixedMeasurement("plain", "1k", 1.1)], unavailable: [], header: [], machine: { cores: 2, kernel: "6.1.0", transparentHugePages: "always" } });
  assert.match(always, /\*\*Warning: transparent huge pages are `always` on this machine\.\*\* .* not comparable/);
});

test("metadata per loaded item counts every copy's key, so a process whose keys outgrew its index slabs is not negative", () => {
  const m = fixedMeasurement("plain", "16k", 1.0);
  // One process: 252 → 941 items; its index footprint (slabs reserved whole) grew 12 376 B while its keys grew 15 776 B.
  m.load = { ...m.load, records: 689 };
  m.stats = { bytes: 0, data_area_bytes: 0, parity_bytes: 0, metadata_bytes: 70_702 - 74_102, metadata_replica_bytes: 0, key_bytes: 21_538 - 5762, curr_items: 689 };
  const text = memorySummary({ measurements: [m], unavailable: [], header: [] });
  // (−3400 + 15 776) / 689 = 18.0
  assert.match(text, /Metadata bytes per loaded item, every copy's key included[^\n]*\n\n[^\n]*\n[^\n]*\n\| plain \| – \| – \| 18\.0 \| – \|/);
});
