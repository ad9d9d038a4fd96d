import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { seededRandom, type SeededRandom } from "../../test/support/seeded-random.ts";
import { CODEC_NAMES, PAGE_SIZE, createCodec, type ErasureCodec } from "./codec.ts";
import { addScaled, gfMultiply, xorInto } from "./gf256.ts";
import { NativeCauchyCodec } from "./native-codec.ts";
import { vandermondeCodingMatrix } from "./vandermonde-codec.ts";

const SCHEMES: [number, number][] = [
  [3, 2],
  [2, 3],
  [4, 1],
];

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a);
  xorInto(out, 0, b);
  return out;
}

function randomPages(random: SeededRandom, count: number): Uint8Array[] {
  return Array.from({ length: count }, () => random.bytes(PAGE_SIZE));
}

/** Every subset of {0..n-1} with 1..max members. */
function lossPatterns(n: number, max: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    const members = Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));
    if (members.length <= max) out.push(members);
  }
  return out;
}

for (const name of CODEC_NAMES) {
  for (const [k, m] of SCHEMES) {
    describe(`${name} RS(${k},${m})`, () => {
      test("parity of the new data equals parity of the old data XOR the delta, for every data slot", async () => {
        const codec = await createCodec(name, k, m);
        const random = seededRandom(1000 + k * 10 + m);
        for (let round = 0; round < 4; round++) {
          const data = randomPages(random, k);
          const oldParity = await codec.encode(data);
          for (let slot = 0; slot < k; slot++) {
            const newPage = random.bytes(PAGE_SIZE);
            const diff = xor(data[slot], newPage);
            const deltas = await codec.encodeDelta(slot, diff);
            const changed = data.slice();
            changed[slot] = newPage;
            const newParity = await codec.encode(changed);
            for (let j = 0; j < m; j++) assert.deepEqual(xor(oldParity[j], deltas[j]), newParity[j], `round ${round} slot ${slot} parity ${j}`);
          }
        }
      });

      test("patching parity in place for a change inside a page gives the parity of the changed stripe", async () => {
        const codec = await createCodec(name, k, m);
        const random = seededRandom(2000 + k * 10 + m);
        for (let round = 0; round < 8; round++) {
          const data = randomPages(random, k);
          const parity = await codec.encode(data);
          const slot = random.int(k);
          const offset = random.int(PAGE_SIZE);
          const length = 1 + random.int(PAGE_SIZE - offset);
          const newBytes = random.bytes(length);
          const diff = xor(data[slot].subarray(offset, offset + length), newBytes);
          const changed = data.map((page) => new Uint8Array(page));
          changed[slot].set(newBytes, offset);
          const expected = await codec.encode(changed);
          for (let j = 0; j < m; j++) {
            await codec.applyDeltas(j, [{ dataIndex: slot, pageOffset: offset, diff, parityPage: parity[j] }]);
            assert.deepEqual(parity[j], expected[j], `round ${round} parity ${j} (offset ${offset}, length ${length})`);
          }
        }
      });

      test("every set of up to m lost shards is rebuilt exactly from the survivors", async () => {
        const codec = await createCodec(name, k, m);
        const random = seededRandom(3000 + k * 10 + m);
        const data = randomPages(random, k);
        const stripe = [...data, ...(await codec.encode(data))];
        const patterns = lossPatterns(k + m, m);
        assert.ok(patterns.length >= k + m, "covers at least every single loss");
        for (const lost of patterns) {
          const shards = stripe.map((page, index) => (lost.includes(index) ? null : page));
          const rebuilt = await codec.decode(shards, lost);
          lost.forEach((index, n) => assert.deepEqual(rebuilt[n], stripe[index], `lost ${lost.join(",")}: shard ${index}`));
        }
      });

      test("decode refuses too few shards with a message that says how many it needs", async () => {
        const codec = await createCodec(name, k, m);
        const shards: (Uint8Array | null)[] = Array.from({ length: k + m }, () => null);
        shards[0] = new Uint8Array(PAGE_SIZE);
        await assert.rejects(codec.decode(shards, [1]), /needs at least \d+ shards, found 1/);
      });
    });
  }

  test(`${name}: a batch of deltas equals the deltas computed one by one`, async () => {
    const codec = await createCodec(name, 3, 2);
    const random = seededRandom(4242);
    const count = codec instanceof NativeCauchyCodec ? codec.maxBatchPages * 2 + 3 : 40;
    const requests = Array.from({ length: count }, () => ({ dataIndex: random.int(3), diffPage: random.bytes(PAGE_SIZE) }));
    const batched = await codec.encodeDeltas(requests);
    for (let i = 0; i < count; i += 7) assert.deepEqual(batched[i], await codec.encodeDelta(requests[i].dataIndex, requests[i].diffPage), `request ${i}`);
  });

  test(`${name}: bad arguments throw clear errors instead of aborting the process`, async () => {
    const codec = await createCodec(name, 3, 2);
    await assert.rejects(codec.encodeDelta(3, new Uint8Array(PAGE_SIZE)), /dataIndex must be 0..2, found 3/);
    await assert.rejects(codec.encodeDelta(0, new Uint8Array(0)), /diffPage must be 4096 bytes, found 0/);
    assert.throws(() => codec.applyDeltas(0, [{ dataIndex: 0, pageOffset: 4000, diff: new Uint8Array(200), parityPage: new Uint8Array(PAGE_SIZE) }]), /inside one page/);
    assert.throws(() => codec.applyDeltas(2, []), /parityIndex must be 0..1, found 2/);
  });
}

test("the Vandermonde-derived coding matrix makes parity 0 plain XOR and column 0 all ones", () => {
  const coding = vandermondeCodingMatrix(3, 2);
  assert.deepEqual(coding.slice(0, 3), [1, 1, 1]);
  assert.equal(coding[3], 1);
  assert.ok(coding.slice(4).every((c) => c > 1), `row 1 beyond column 0 is not XOR: ${coding.join(",")}`);
});

test("both codecs agree that parity 0 is the XOR of the data", async () => {
  const random = seededRandom(77);
  const data = randomPages(random, 3);
  const expected = xor(xor(data[0], data[1]), data[2]);
  for (const codec of await Promise.all(CODEC_NAMES.map((name) => createCodec(name, 3, 2)))) {
    const [parity0] = await (codec as ErasureCodec).encode(data);
    assert.deepEqual(parity0, expected, codec.name);
  }
});

test("createCodec refuses unsupported coding parameters", async () => {
  await assert.rejects(createCodec("gf256-vandermonde", 1, 2), /k must be an integer from 2 to 16, found 1/);
  await assert.rejects(createCodec("native-cauchy", 3, 0), /m must be an integer from 1 to 6, found 0/);
});

test("scaled adds give the same bytes whatever the alignment of source and target", () => {
  const random = seededRandom(99);
  for (let round = 0; round < 200; round++) {
    const length = random.int(300);
    const sourceStart = random.int(4);
    const source = random.bytes(length + 8).subarray(sourceStart, sourceStart + length);
    const coefficient = random.int(256);
    const base = random.bytes(length + 16);
    const offset = random.int(8);
    const expected = new Uint8Array(base);
    for (let x = 0; x < length; x++) expected[offset + x] ^= gfMultiply(coefficient, source[x]);
    const actual = new Uint8Array(base);
    addScaled(actual, offset, source, coefficient);
    assert.deepEqual(actual, expected, `round ${round}: length ${length}, coefficient ${coefficient}, offset ${offset}`);
  }
});
