import assert from "node:assert/strict";
import { test } from "node:test";
import { ACK_WINDOW_SIZE, AcknowledgedCounterGenerator } from "./acknowledged-counter-generator.ts";
import { CounterGenerator } from "./counter-generator.ts";

test("a counter counts from its start and lastValue is the last value handed out", () => {
  const counter = new CounterGenerator(5);
  assert.equal(counter.lastValue(), 4);
  assert.equal(counter.nextValue(), 5);
  assert.equal(counter.nextValue(), 6);
  assert.equal(counter.lastValue(), 6);
});

test("lastValue only moves over values acknowledged without a gap", () => {
  const counter = new AcknowledgedCounterGenerator(1000);
  assert.equal(counter.lastValue(), 999);
  const [a, b, c] = [counter.nextValue(), counter.nextValue(), counter.nextValue()];
  counter.acknowledge(b);
  assert.equal(counter.lastValue(), 999, "1001 is done but 1000 is not");
  counter.acknowledge(c);
  assert.equal(counter.lastValue(), 999);
  counter.acknowledge(a);
  assert.equal(counter.lastValue(), 1002, "all three done");
});

test("the window of pending acknowledgements wraps around, and a full window is refused", () => {
  const counter = new AcknowledgedCounterGenerator(0);
  for (let i = 0; i < 3 * ACK_WINDOW_SIZE; i++) counter.acknowledge(counter.nextValue());
  assert.equal(counter.lastValue(), 3 * ACK_WINDOW_SIZE - 1);

  const stuck = new AcknowledgedCounterGenerator(0);
  stuck.nextValue(); // 0 is never acknowledged
  for (let i = 1; i < ACK_WINDOW_SIZE; i++) stuck.acknowledge(stuck.nextValue());
  // Value ACK_WINDOW_SIZE + 1 lands on the slot of 1, still pending behind 0.
  stuck.nextValue();
  assert.throws(() => stuck.acknowledge(stuck.nextValue()), /Too many unacknowledged insertion keys/);
});
