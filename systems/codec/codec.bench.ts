/**
 * Codec benchmark: per-call cost and throughput of each implementation, for the choice of
 * DEFAULT_CODEC (codec.ts). Run: `node --import tsx systems/codec/codec.bench.ts [--k 3 --m 2]`.
 * Each case runs for at most MAX_CASE_MS and MAX_CASE_CALLS calls. Prints a table (and JSON with --json).
 */
import { parseArgs } from "node:util";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { CODEC_NAMES, PAGE_SIZE, createCodec, type ErasureCodec, type ParityPatch } from "./codec.ts";

const MAX_CASE_MS = 1500;
const MAX_CASE_CALLS = 200_000;

interface CaseResult {
  codec: string;
  case: string;
  calls: number;
  /** Bytes of input (diffs or lost pages rebuilt) per call. */
  bytesPerCall: number;
  usPerCall: number;
  mbPerSecond: number;
}

/** Runs `call` repeatedly (awaiting each), `inFlight` at a time, within the case bounds. */
async function measure(codec: string, name: string, bytesPerCall: number, call: () => Promise<unknown> | unknown, inFlight = 1): Promise<CaseResult> {
  for (let i = 0; i < 50; i++) await call();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + MAX_CASE_MS;
  let calls = 0;
  while (calls < MAX_CASE_CALLS && Date.now() < deadline) {
    if (inFlight === 1) await call();
    else await Promise.all(Array.from({ length: inFlight }, () => call()));
    calls += inFlight;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { codec, case: name, calls, bytesPerCall, usPerCall: (seconds * 1e6) / calls, mbPerSecond: (bytesPerCall * calls) / seconds / 1e6 };
}

async function benchCodec(codec: ErasureCodec): Promise<CaseResult[]> {
  const random = seededRandom(7);
  const { k, m } = codec;
  const diffPage = random.bytes(PAGE_SIZE);
  const data = Array.from({ length: k }, () => random.bytes(PAGE_SIZE));
  const parityPages = Array.from({ length: m }, () => new Uint8Array(PAGE_SIZE));
  const lastRow = m - 1;
  const patch = (bytes: number, offset = 512): ParityPatch => ({ dataIndex: k - 1, pageOffset: offset, diff: random.bytes(bytes), parityPage: parityPages[lastRow] });
  const oneKb = patch(1024);
  const batch32 = Array.from({ length: 32 }, (_, i) => patch(1024, (i * 97) % 3000));
  const stripe = [...data, ...(await codec.encode(data))];
  const lost = Array.from({ length: m }, (_, i) => i);
  const survivors = stripe.map((page, index) => (lost.includes(index) ? null : page));
  const name = codec.name;
  return [
    await measure(name, "encode (full stripe)", k * PAGE_SIZE, () => codec.encode(data)),
    await measure(name, "encodeDelta (4 KiB diff page)", PAGE_SIZE, () => codec.encodeDelta(k - 1, diffPage)),
    await measure(name, "encodeDeltas (32 pages a call)", 32 * PAGE_SIZE, () => codec.encodeDeltas(Array.from({ length: 32 }, () => ({ dataIndex: k - 1, diffPage })))),
    await measure(name, `SET path: patch parity row ${lastRow} for a 1 KB value`, 1024, () => codec.applyDeltas(lastRow, [oneKb])),
    await measure(name, `SET path: patch parity row ${lastRow}, 32 x 1 KB a call`, 32 * 1024, () => codec.applyDeltas(lastRow, batch32)),
    await measure(name, "SET path: parity row 0 (XOR) for a 1 KB value", 1024, () => codec.applyDeltas(0, [{ ...oneKb, parityPage: parityPages[0] }])),
    await measure(name, `decode ${m} lost data pages`, m * PAGE_SIZE, () => codec.decode(survivors, lost)),
    await measure(name, `decode ${m} lost data pages, 4 in flight`, m * PAGE_SIZE, () => codec.decode(survivors, lost), 4),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { k: { type: "string", default: "3" }, m: { type: "string", default: "2" }, json: { type: "boolean", default: false } } });
  const k = Number(values.k);
  const m = Number(values.m);
  const results: CaseResult[] = [];
  for (const name of CODEC_NAMES) results.push(...(await benchCodec(await createCodec(name, k, m))));
  if (values.json) {
    console.log(JSON.stringify({ k, m, results }, null, 2));
    return;
  }
  console.log(`RS(${k},${m}), page ${PAGE_SIZE} B, node ${process.version}, each case ≤ ${MAX_CASE_MS} ms`);
  console.log(["codec".padEnd(18), "case".padEnd(48), "µs/call".padStart(9), "MB/s".padStart(9)].join(" "));
  for (const r of results) {
    console.log([r.codec.padEnd(18), r.case.padEnd(48), r.usPerCall.toFixed(2).padStart(9), r.mbPerSecond.toFixed(0).padStart(9)].join(" "));
  }
}

await main();
