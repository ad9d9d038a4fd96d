import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { Properties, PropertyError, parseJavaProperties } from "./properties.ts";
import { CORE_WORKLOAD_PROPERTY_NAMES, YCSB_CLIENT_PROPERTY_NAMES } from "./property-names.ts";

const workloadFile = (name: string): string => fileURLToPath(new URL(`../../workloads/${name}`, import.meta.url));

// Every rule of java.util.Properties.load in one file, CRLF line ends; the expected pairs are what
// JDK 17's Properties.load returns for the same bytes.
const TRICKY = [
  "# comment",
  "   ! another comment \\",
  "ignored.after.comment=no",
  "a=1",
  "  b : two words  ",
  "c three",
  "d   =   spaced",
  "e=line one \\",
  "     continued \\\\",
  "f=trailing backslash even \\\\\\\\",
  "g=esc\\ttab\\u0041\\=x",
  "h\\ key\\:x=v",
  "i",
  "j=",
  "k=multi\\",
  "",
  "l=after blank",
  "m:=colon then equals",
  "n==double",
].join("\r\n");

test("Java .properties syntax is read as java.util.Properties reads it", () => {
  const parsed = Object.fromEntries(parseJavaProperties(TRICKY, "tricky").map((line) => [line.key, line.value]));
  assert.deepEqual(parsed, {
    "ignored.after.comment": "no",
    a: "1",
    b: "two words  ",
    c: "three",
    d: "spaced",
    e: "line one continued \\",
    f: "trailing backslash even \\\\",
    g: "esc\ttabA=x",
    "h key:x": "v",
    i: "",
    j: "",
    k: "multi",
    l: "after blank",
    m: "=colon then equals",
    n: "=double",
  });
  const lineOf = Object.fromEntries(parseJavaProperties(TRICKY, "tricky").map((line) => [line.key, line.line]));
  assert.equal(lineOf.e, 8, "a continued line is reported at its first line");
  assert.equal(lineOf.l, 17);
});

test("a malformed \\u escape is refused with where it is", () => {
  assert.throws(() => parseJavaProperties("x=1\ny=\\u12g4\n", "bad.properties"), /bad.properties line 2: malformed \\uxxxx escape, found "\\u12g4"/);
});

test("YCSB's workloada is read unchanged", () => {
  const props = Properties.fromCommandLine([workloadFile("workloada")]);
  assert.equal(props.get("recordcount"), "1000");
  assert.equal(props.get("workload"), "site.ycsb.workloads.CoreWorkload");
  assert.equal(props.getDouble("readproportion", 0), 0.5);
  assert.equal(props.getChoice("requestdistribution", "uniform", ["uniform", "zipfian"] as const), "zipfian");
  assert.deepEqual(props.unknownPropertyWarnings([...CORE_WORKLOAD_PROPERTY_NAMES, ...YCSB_CLIENT_PROPERTY_NAMES]), []);
});

test("-p overrides win over every -P file, and later files win over earlier ones", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "properties-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "first"), "recordcount=10\nfieldcount=3\n");
  writeFileSync(join(dir, "second"), "recordcount=20\n");
  const props = Properties.fromCommandLine([join(dir, "first"), join(dir, "second")], ["fieldcount=7", "table=a=b"]);
  assert.equal(props.getLong("recordcount", 0), 20);
  assert.equal(props.getInt("fieldcount", 0), 7);
  assert.equal(props.get("table"), "a=b", "split at the first '='");
  assert.equal(props.where("recordcount"), `${join(dir, "second")} line 1`);
  assert.equal(props.where("fieldcount"), "-p fieldcount=7");
  assert.throws(() => Properties.fromCommandLine([], ["recordcount"]), /-p recordcount: expected name=value, found no '='/);
  assert.throws(() => Properties.fromCommandLine([join(dir, "missing")]), /cannot read property file .*missing/);
});

test("bad values are refused naming the property, where it was set, the value and what was expected", () => {
  const props = Properties.parse("readproportion=abc\nrecordcount=-5\nreadallfields=yes\nrequestdistribution=zipf\nfieldcount=1.5\n", "w");
  const cases: Array<[() => unknown, string]> = [
    [() => props.getDouble("readproportion", 0.95, { min: 0 }), 'w line 1: readproportion must be a number ≥ 0, found "abc"'],
    [() => props.getLong("recordcount", 0, { min: 0 }), 'w line 2: recordcount must be an integer ≥ 0, found "-5"'],
    [() => props.getBoolean("readallfields", true), 'w line 3: readallfields must be true or false, found "yes"'],
    [() => props.getChoice("requestdistribution", "uniform", ["uniform", "zipfian"] as const), 'w line 4: requestdistribution must be one of uniform, zipfian, found "zipf"'],
    [() => props.getInt("fieldcount", 10, { min: 1, max: 100 }), 'w line 5: fieldcount must be an integer between 1 and 100, found "1.5"'],
  ];
  for (const [read, message] of cases) {
    assert.throws(read, (error: unknown) => error instanceof PropertyError && error.message === message, message);
  }
});

test("numbers in Java's forms are accepted and surrounding whitespace is ignored", () => {
  const props = Properties.parse("a=1e3\nb=.5\nc=2d\nd= 42 \ne=+7\nf=TRUE\n", "w");
  assert.equal(props.getDouble("a", 0), 1000);
  assert.equal(props.getDouble("b", 0), 0.5);
  assert.equal(props.getDouble("c", 0), 2);
  assert.equal(props.getInt("d", 0), 42);
  assert.equal(props.getLong("e", 0), 7);
  assert.equal(props.getBoolean("f", false), true);
  assert.equal(props.getInt("absent", 9), 9);
  assert.throws(() => Properties.parse("x=NaN", "w").getDouble("x", 0), /must be a number, found "NaN"/);
});

test("unknown properties give one warning each, with the nearest known name", () => {
  const props = Properties.parse("recrdcount=5\nreadproportion=1\nmy.own=1\n", "w");
  assert.deepEqual(props.unknownPropertyWarnings(CORE_WORKLOAD_PROPERTY_NAMES), [
    'w line 1: unknown property "recrdcount" (ignored); did you mean "recordcount"?',
    'w line 3: unknown property "my.own" (ignored)',
  ]);
});
