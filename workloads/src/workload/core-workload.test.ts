import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { SplittableRandom } from "../random/splittable-random.ts";
import { CoreWorkload, newTransactionPlan, type Operation } from "./core-workload.ts";
import { Properties, PropertyError } from "./properties.ts";

const workloadFile = (name: string): string => fileURLToPath(new URL(`../../workloads/${name}`, import.meta.url));

function workload(text: string, seed = 1): CoreWorkload {
  return new CoreWorkload(Properties.parse(text, "test"), new SplittableRandom(seed));
}

test("hashed key names are user + fnvhash64(keynum); ordered ones are zero-padded numbers", () => {
  const hashed = workload("recordcount=10");
  assert.equal(hashed.buildKeyName(0), "user6284781860667377211");
  assert.equal(hashed.buildKeyName(1), "user8517097267634966620");
  const ordered = workload("recordcount=10\ninsertorder=ordered\nzeropadding=8");
  assert.equal(ordered.buildKeyName(5), "user00000005");
  assert.equal(ordered.buildKeyName(123456789), "user123456789");
});

test("the load phase inserts insertstart, insertstart + 1, … and several clients split a load with insertstart/insertcount", () => {
  const seen = new Set<number>();
  for (const start of [0, 400, 800]) {
    const client = workload(`recordcount=1000\ninsertstart=${start}\ninsertcount=${start === 800 ? 200 : 400}`);
    assert.equal(client.loadOperationCount, client.insertCount);
    for (let i = 0; i < client.loadOperationCount; i++) {
      const keynum = client.nextLoadKeynum();
      assert.equal(keynum, start + i);
      seen.add(keynum);
    }
    // Uniform requests stay inside this client's slice.
    for (let i = 0; i < 1000; i++) {
      const keynum = client.nextTransactionKeynum();
      assert.ok(keynum >= start && keynum < start + client.insertCount, `key ${keynum} in slice from ${start}`);
    }
  }
  assert.equal(seen.size, 1000);
  assert.equal(workload("recordcount=1000").loadOperationCount, 1000);
});

test("operations follow the proportions of YCSB's workloadb", () => {
  const props = Properties.fromCommandLine([workloadFile("workloadb")]);
  const core = new CoreWorkload(props, new SplittableRandom(3));
  const counts: Record<string, number> = {};
  for (let i = 0; i < 100_000; i++) {
    const operation = core.nextOperation();
    counts[operation] = (counts[operation] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(counts).sort(), ["READ", "UPDATE"]);
  assert.ok(Math.abs(counts.READ / 100_000 - 0.95) < 0.005, `reads ${counts.READ}`);
});

test("transactions draw from the stream in YCSB's order: operation, key, then field and length", () => {
  const text = "recordcount=100\nfieldcount=10\nfieldlength=100\nreadproportion=0.5\nupdateproportion=0.5\nreadallfields=false\nwriteallfields=false";
  const core = workload(text, 21);
  // Uniform keys, constant field length: no constructor draws.
  const stream = new SplittableRandom(21);
  const plan = newTransactionPlan();
  for (let i = 0; i < 2000; i++) {
    core.nextTransaction(plan);
    const operation: Operation = stream.nextDouble() < 0.5 ? "READ" : "UPDATE";
    assert.equal(plan.operation, operation);
    assert.equal(plan.keynum, stream.nextAbsLongMod(100));
    if (operation === "READ") {
      assert.equal(plan.readField, stream.nextAbsLongMod(10));
      assert.equal(plan.valueLength, 0);
    } else {
      assert.equal(plan.writeField, stream.nextAbsLongMod(10));
      assert.equal(plan.valueLength, 100, "one field written");
    }
  }
});

test("constructors draw as YCSB's do: a Zipfian field length and a scrambled Zipfian key chooser draw once each", () => {
  const core = new CoreWorkload(Properties.fromCommandLine([workloadFile("paper-50-zipf")]), new SplittableRandom(8));
  const stream = new SplittableRandom(8);
  stream.nextDouble();
  stream.nextDouble();
  for (let i = 0; i < 100; i++) {
    const operation = core.nextOperation();
    assert.equal(operation, stream.nextDouble() < 0.5 ? "READ" : "UPDATE");
    core.nextTransactionKeynum();
    stream.nextDouble(); // the key draw (always a key that exists here)
  }
});

test("zipfian requests cover a key space sized for expected inserts and redraw keys not inserted yet", () => {
  const core = workload("recordcount=100\noperationcount=1000\nrequestdistribution=zipfian\ninsertproportion=0.1\nreadproportion=0.9\nupdateproportion=0", 4);
  // Key space: 100 + 1000 × 0.1 × 2 + 1 = 301 keys, but only 0..99 exist.
  for (let i = 0; i < 20_000; i++) assert.ok(core.nextTransactionKeynum() <= 99);
  const pending = core.nextTransactionInsertKeynum();
  assert.equal(pending, 100);
  for (let i = 0; i < 5000; i++) assert.ok(core.nextTransactionKeynum() <= 99, "100 is not acknowledged yet");
  core.acknowledgeInsert(pending);
  let sawNewKey = false;
  for (let i = 0; i < 200_000 && !sawNewKey; i++) sawNewKey = core.nextTransactionKeynum() === 100;
  assert.ok(sawNewKey, "an acknowledged insert becomes readable");
});

test("an INSERT transaction takes the next key after recordcount and a whole record's length", () => {
  const core = workload("recordcount=50\nfieldcount=4\nfieldlength=10\nreadproportion=0\nupdateproportion=0\ninsertproportion=1");
  const plan = core.nextTransaction();
  assert.deepEqual({ ...plan }, { operation: "INSERT", keynum: 50, valueLength: 40, scanLength: 0, readField: -1, writeField: -1 });
  core.acknowledgeInsert(plan.keynum);
  assert.equal(core.nextTransaction(plan).keynum, 51);
});

test("record lengths follow the field-length distribution: YCSB's 10 × 100 B, the paper's 1 KB and Zipf 10 B – 1 KB", () => {
  const a = new CoreWorkload(Properties.fromCommandLine([workloadFile("workloada")]), new SplittableRandom(1));
  assert.equal(a.nextRecordLength(), 1000);
  assert.equal(a.maxRecordLength, 1000);
  const oneK = new CoreWorkload(Properties.fromCommandLine([workloadFile("paper-95-1k")]), new SplittableRandom(1));
  assert.equal(oneK.nextRecordLength(), 1024);
  assert.equal(oneK.fieldCount, 1);
  const zipf = new CoreWorkload(Properties.fromCommandLine([workloadFile("paper-95-zipf")]), new SplittableRandom(1));
  assert.equal(zipf.maxRecordLength, 1024);
  let shortest = 0;
  for (let i = 0; i < 50_000; i++) {
    const length = zipf.nextRecordLength();
    assert.ok(length >= 10 && length <= 1024, `length ${length}`);
    if (length === 10) shortest++;
  }
  assert.ok(shortest / 50_000 > 0.1, "10 B is the most common length");
  const uniform = workload("fieldcount=1\nfieldlengthdistribution=uniform\nminfieldlength=5\nfieldlength=8");
  for (let i = 0; i < 1000; i++) assert.ok([5, 6, 7, 8].includes(uniform.nextFieldLength()));
});

test("scans take a length from [minscanlength, maxscanlength]", () => {
  const core = workload("recordcount=100\nreadproportion=0\nupdateproportion=0\nscanproportion=1\nminscanlength=2\nmaxscanlength=5");
  const plan = newTransactionPlan();
  for (let i = 0; i < 500; i++) {
    core.nextTransaction(plan);
    assert.equal(plan.operation, "SCAN");
    assert.ok(plan.scanLength >= 2 && plan.scanLength <= 5);
  }
});

test("every request distribution gives keys that exist", () => {
  for (const distribution of ["uniform", "zipfian", "latest", "hotspot", "sequential", "exponential"]) {
    const core = workload(`recordcount=1000\noperationcount=10\nrequestdistribution=${distribution}`, 9);
    assert.equal(core.requestDistribution, distribution);
    for (let i = 0; i < 2000; i++) {
      const keynum = core.nextTransactionKeynum();
      assert.ok(Number.isInteger(keynum) && keynum >= 0 && keynum <= 999, `${distribution}: key ${keynum}`);
    }
  }
});

test("recordcount=0 means Integer.MAX_VALUE records, as in YCSB", () => {
  assert.equal(workload("recordcount=0").recordCount, 2147483647);
});

test("bad configurations are refused with the property, the value and what was expected", () => {
  const cases: Array<[string, RegExp]> = [
    ["readproportion=abc", /test line 1: readproportion must be a number ≥ 0, found "abc"/],
    ["recordcount=-5", /test line 1: recordcount must be an integer between 0 and 2147483647, found "-5"/],
    ["recordcount=10\ninsertstart=5\ninsertcount=6", /insertstart \+ insertcount must be at most recordcount, found insertstart=5 \(test line 2\) \+ insertcount=6 \(test line 3\) > recordcount=10 \(test line 1\)/],
    ["recordcount=10\nrequestdistribution=zipfian", /operationcount must be set for requestdistribution=zipfian/],
    ["requestdistribution=pareto", /requestdistribution must be one of uniform, zipfian, latest, hotspot, sequential, exponential, found "pareto"/],
    ["fieldlengthdistribution=zipfian\nminfieldlength=50\nfieldlength=10", /minfieldlength must be at most fieldlength \(10\) for fieldlengthdistribution=zipfian, found "50"/],
    ["insertorder=hash", /insertorder must be one of hashed, ordered, found "hash"/],
    ["fieldcount=0", /fieldcount must be an integer between 1 and 2147483647, found "0"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => workload(text), (error: unknown) => error instanceof PropertyError && message.test(error.message), text);
  }
  const idle = workload("recordcount=10\nreadproportion=0\nupdateproportion=0");
  assert.throws(() => idle.nextOperation(), /no operation to run/);
});
