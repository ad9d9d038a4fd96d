import assert from "node:assert/strict";
import { test } from "node:test";
import { InFlightBytes } from "./in-flight-bytes.ts";

test("held bytes are copies: the caller may overwrite its buffers as soon as hold returns", () => {
  const bytes = new InFlightBytes(64);
  const key = Buffer.from("key");
  const value = Buffer.from("value");
  const { views } = bytes.hold([key, value]);
  key.fill(0x23);
  value.fill(0x23);
  assert.deepEqual(views.map((view) => view.toString()), ["key", "value"]);
});

test("bytes stay intact while their request is in flight, however many requests come and go after it", () => {
  const bytes = new InFlightBytes(64);
  const first = bytes.hold([Buffer.from("first request")]);
  for (let i = 0; i < 1000; i++) {
    const other = bytes.hold([Buffer.alloc(10, i % 256)]);
    bytes.release(other.block);
  }
  assert.equal(first.views[0].toString(), "first request");
  bytes.release(first.block);
});

test("blocks are reused once their requests completed: a steady first-in-first-out load allocates no more of them", () => {
  const bytes = new InFlightBytes(64);
  const inFlight: ReturnType<InFlightBytes["hold"]>[] = [];
  for (let i = 0; i < 10_000; i++) {
    inFlight.push(bytes.hold([Buffer.alloc(8, i % 256), Buffer.alloc(9, 1)]));
    if (inFlight.length > 10) bytes.release(inFlight.shift()!.block);
    const oldest = inFlight[0];
    assert.ok(oldest.views[0].every((byte) => byte === (i - inFlight.length + 1) % 256), `request ${i - inFlight.length + 1} kept its bytes`);
  }
  // At most eleven requests of 17 bytes are held at once, three to a 64-byte block: five blocks, in 10,000 requests.
  assert.ok(bytes.blocksAllocated <= 5, `allocated ${bytes.blocksAllocated} blocks`);
  assert.ok(bytes.heldBytes <= 5 * 64);
});

test("a request larger than a block gets a block of its own, not kept once it completes", () => {
  const bytes = new InFlightBytes(64);
  const big = bytes.hold([Buffer.alloc(100, 7)]);
  assert.equal(big.views[0].length, 100);
  assert.ok(big.views[0].every((byte) => byte === 7));
  bytes.release(big.block);
  assert.equal(bytes.heldBytes, 64);
  assert.throws(() => bytes.release(big.block), /no request holding it/);
});

test("held bytes count every block still held by a request in flight, not only the one being filled", () => {
  const bytes = new InFlightBytes(64);
  const requests = Array.from({ length: 6 }, () => bytes.hold([Buffer.alloc(40)]));
  assert.equal(bytes.heldBytes, 6 * 64, "six 40-byte requests fill six 64-byte blocks");
  for (const request of requests) bytes.release(request.block);
  assert.equal(bytes.heldBytes, 4 * 64, "once they complete, the block being filled and three spare ones stay");
});
