import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder, PEER_PROTOCOL_VERSION } from "./frames.ts";
import { PayloadReader, PayloadWriter } from "./codec.ts";

function collect(): { frames: Array<[number, string]>; decoder: FrameDecoder } {
  const frames: Array<[number, string]> = [];
  return { frames, decoder: new FrameDecoder((type, payload) => frames.push([type, payload.toString("latin1")])) };
}

test("a frame split at every byte boundary decodes to the same frames", () => {
  const stream = Buffer.concat([encodeFrame(17, Buffer.from("hello")), encodeFrame(18), encodeFrame(19, Buffer.from("x\r\ny"))]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const { frames, decoder } = collect();
    decoder.push(stream.subarray(0, cut));
    decoder.push(stream.subarray(cut));
    assert.deepEqual(frames, [[17, "hello"], [18, ""], [19, "x\r\ny"]], `cut at ${cut}`);
    assert.equal(decoder.bufferedBytes, 0);
  }
});

test("lent chunks, each overwritten once push returns, split at every pair of byte boundaries decode to the same frames", () => {
  const stream = Buffer.concat([encodeFrame(17, Buffer.from("hello")), encodeFrame(18), encodeFrame(19, Buffer.from("x\r\ny"))]);
  const shared = Buffer.alloc(stream.length);
  const pushLent = (decoder: FrameDecoder, bytes: Buffer) => {
    bytes.copy(shared);
    decoder.push(shared.subarray(0, bytes.length));
    shared.fill(0xee);
  };
  for (let first = 0; first <= stream.length; first++) {
    for (let second = first; second <= stream.length; second++) {
      const { frames, decoder } = collect();
      pushLent(decoder, stream.subarray(0, first));
      pushLent(decoder, stream.subarray(first, second));
      pushLent(decoder, stream.subarray(second));
      assert.deepEqual(frames, [[17, "hello"], [18, ""], [19, "x\r\ny"]], `cuts at ${first} and ${second}`);
      assert.equal(decoder.bufferedBytes, 0);
    }
  }
});

test("a frame of another protocol version is refused with both versions named", () => {
  const frame = encodeFrame(17, Buffer.from("a"));
  frame[4] = PEER_PROTOCOL_VERSION + 1;
  const { decoder } = collect();
  assert.throws(() => decoder.push(frame), /expected protocol version 1, found 2/);
});

test("an absurd frame length is refused before anything is allocated", () => {
  const { decoder } = collect();
  assert.throws(() => decoder.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 17])), /expected a length from 2 to/);
});

test("payload fields round-trip, and reading past the end names the offset", () => {
  const payload = new PayloadWriter(4).u8(7).u32(0xdeadbeef).u53(2 ** 53 - 1).bytes(Buffer.from([1, 2, 3])).string("key€").finish();
  const reader = new PayloadReader(Buffer.from(payload), "test payload");
  assert.equal(reader.u8(), 7);
  assert.equal(reader.u32(), 0xdeadbeef);
  assert.equal(reader.u53(), 2 ** 53 - 1);
  assert.deepEqual([...reader.bytes()], [1, 2, 3]);
  assert.equal(reader.string(), "key€");
  assert.equal(reader.remaining, 0);
  assert.throws(() => reader.u32(), /test payload: expected 4 more bytes at offset \d+, found 0/);
});

test("a large frame delivered in many small reads is decoded whole, with the frames around it", () => {
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const stream = Buffer.concat([encodeFrame(16, Buffer.from("before")), encodeFrame(17, big), encodeFrame(18, Buffer.from("after"))]);
  const seen: Array<[number, number, boolean]> = [];
  const decoder = new FrameDecoder((type, payload) => seen.push([type, payload.length, type !== 17 || payload.equals(big)]));
  for (let pos = 0; pos < stream.length; pos += 1000) decoder.push(stream.subarray(pos, Math.min(stream.length, pos + 1000)));
  assert.deepEqual(seen, [
    [16, 6, true],
    [17, big.length, true],
    [18, 5, true],
  ]);
  assert.equal(decoder.bufferedBytes, 0);
});
