/**
 * Test helpers: a seeded stream of client writes of every kind over a small key space, and a
 * snapshot of a store's items, to compare replicas item by item.
 */
import { Op, type Mutation } from "../protocol/backend.ts";
import type { Store } from "../store/index.ts";
import { seededRandom } from "../../test/support/seeded-random.ts";

export const TEST_NOW = 1_700_000_000;

export function mutation(op: Op, key: string, value = "", extra: Partial<Mutation> = {}): Mutation {
  return { op, key: Buffer.from(key), value: Buffer.from(value), flags: 0, exptime: 0, cas: 0, delta: 0n, now: TEST_NOW, noreply: false, ...extra };
}

/** `count` writes: mostly sets, with adds, appends, prepends, incrs, deletes and touches, over `keys` keys. */
export function randomWrites(seed: number, count: number, keys = 40): Mutation[] {
  const random = seededRandom(seed);
  const out: Mutation[] = [];
  for (let n = 0; n < count; n++) {
    const key = `key${random.int(keys)}`;
    const roll = random.int(20);
    if (roll < 9) out.push(mutation(Op.Set, key, String(random.int(1000)).repeat(1 + random.int(30)), { flags: random.int(4) }));
    else if (roll < 11) out.push(mutation(Op.Add, key, "added"));
    else if (roll < 12) out.push(mutation(Op.Append, key, "+tail"));
    else if (roll < 13) out.push(mutation(Op.Prepend, key, "head+"));
    else if (roll < 15) out.push(mutation(Op.Incr, key, "", { delta: BigInt(random.int(100)) }));
    else if (roll < 18) out.push(mutation(Op.Delete, key));
    else out.push(mutation(Op.Touch, key, "", { exptime: TEST_NOW + 1000 + random.int(1000) }));
  }
  return out;
}

export interface ItemSnapshot {
  value: string;
  flags: number;
  exptime: number;
  cas: number;
}

/** Every item of a store by key (expired ones included: replicas keep what the primary sent). */
export function snapshot(store: Store): Map<string, ItemSnapshot> {
  const items = new Map<string, ItemSnapshot>();
  store.forEachItem((handle) => {
    items.set(store.key(handle).toString("latin1"), {
      value: store.value(handle).toString("latin1"),
      flags: store.flags(handle),
      exptime: store.exptime(handle),
      cas: store.cas(handle),
    });
  });
  return new Map([...items].sort(([a], [b]) => (a < b ? -1 : 1)));
}
