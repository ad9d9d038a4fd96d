import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../../test/support/seeded-random.ts";
import { ChangeKind } from "./change.ts";
import { encodeUpdate } from "./messages.ts";
import { UpdateLog } from "./update-log.ts";

function put(ts: number, diff: Uint8Array) {
  return encodeUpdate(ts, 0, { kind: ChangeKind.Put, key: Buffer.from(`key${ts}`), offset: ts * 8, length: diff.length, flags: 0, exptime: 0, cas: ts }, diff);
}

test("the update log returns every update intact and in order while its ring wraps and grows", () => {
  const log = new UpdateLog();
  const random = seededRandom(5);
  const expected: { ts: number; diff: Uint8Array }[] = [];
  let next = 1;
  let taken = 0;
  for (let step = 0; step < 4000; step++) {
    if (random.next() < 0.55) {
      // Sizes up to 200 KiB push the ring past its first 256 KiB and force wraps and growth.
      const diff = random.bytes(random.next() < 0.05 ? 100_000 + random.int(100_000) : random.int(3000));
      const update = log.append(put(next, diff));
      assert.equal(update.ts, next);
      expected.push({ ts: next++, diff });
    } else if (log.length > 0) {
      const update = log.shift()!;
      const want = expected[taken++];
      assert.equal(update.ts, want.ts);
      assert.equal(update.change.key.toString(), `key${want.ts}`);
      assert.deepEqual(new Uint8Array(update.diff), want.diff, `diff of ts ${want.ts}`);
    }
    // Entries still in the log are intact, whatever moved around them.
    if (step % 97 === 0) log.toArray().forEach((update, n) => assert.deepEqual(new Uint8Array(update.diff), expected[taken + n].diff));
  }
  assert.ok(log.capacityBytes > 256 * 1024, "the ring grew");
});
