import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeReplies } from "../protocol/conformance-cases.ts";
import type { RunningProcess } from "../../test/support/process.ts";
import { rawExchange } from "../../test/support/raw-client.ts";
import { seededRandom, type SeededRandom } from "../../test/support/seeded-random.ts";
import { useOracleAndPlain } from "./test-servers.ts";

// Seeded fuzzing of the plain server: mutated command streams compared with native memcached, and
// random bytes that must neither crash the server nor touch keys they never named. Bounded in
// count and in time; a failure prints the seed and iteration to replay.
const SEED = 20260224;
const DIFFERENTIAL_ITERATIONS = 300;
const GARBAGE_ITERATIONS = 300;
const TIME_BUDGET_MS = 40_000;

const { skip, servers } = useOracleAndPlain();

/** Keys no fuzz input can name: stored first, checked after every batch. */
const CANARIES = Array.from({ length: 8 }, (_, i) => [`canary-${i}-5f0e1d2c3b4a69788796a5b4c3d2e1f0`, `value ${i}\r\nwith a line break`] as const);

async function storeCanaries(target: RunningProcess): Promise<void> {
  const input = CANARIES.map(([key, value]) => `set ${key} ${7 + Number(key[7])} 0 ${value.length}\r\n${value}\r\n`).join("");
  const { received } = await rawExchange(target.host, target.port, [{ send: input }], { pauseMs: 0 });
  assert.equal(received.toString(), "STORED\r\n".repeat(CANARIES.length));
}

async function checkCanaries(target: RunningProcess, context: string): Promise<void> {
  const { received } = await rawExchange(target.host, target.port, [{ send: `get ${CANARIES.map(([key]) => key).join(" ")}\r\n` }], { pauseMs: 0 });
  const expected = CANARIES.map(([key, value]) => `VALUE ${key} ${7 + Number(key[7])} ${value.length}\r\n${value}\r\n`).join("") + "END\r\n";
  assert.equal(received.toString("latin1"), expected, `stored keys are intact and the server answers (${context})`);
}

/** A random stream of well-formed commands over keys of this iteration only. */
function commandStream(random: SeededRandom, prefix: string): string {
  const key = () => `${prefix}${random.int(4)}`;
  const data = () => {
    const length = random.int(3) === 0 ? random.int(300) : random.int(8);
    let text = "";
    for (let i = 0; i < length; i++) text += random.int(10) === 0 ? "\r\n" : String.fromCharCode(33 + random.int(90));
    return text;
  };
  const noreply = () => (random.int(5) === 0 ? " noreply" : "");
  const makers: Array<() => string> = [
    () => {
      const value = data();
      const verb = ["set", "add", "replace", "append", "prepend"][random.int(5)];
      return `${verb} ${key()} ${random.int(3) === 0 ? random.int(70000) : 0} 0 ${value.length}${noreply()}\r\n${value}\r\n`;
    },
    () => {
      const value = data();
      return `cas ${key()} 0 0 ${value.length} ${random.int(2) === 0 ? "0" : "99999999999999999999"}${noreply()}\r\n${value}\r\n`;
    },
    () => `${["get", "gets"][random.int(2)]} ${key()} ${key()}\r\n`,
    () => `${["gat", "gats"][random.int(2)]} ${random.int(2) * 100} ${key()}\r\n`,
    () => `delete ${key()}${noreply()}\r\n`,
    () => `set ${key()} 0 0 2\r\n${10 + random.int(90)}\r\n${["incr", "decr"][random.int(2)]} ${key()} ${random.int(1000)}${noreply()}\r\n`,
    () => `${["incr", "decr"][random.int(2)]} ${key()} ${random.int(1000)}${noreply()}\r\n`,
    () => `touch ${key()} ${random.int(2) * 100}${noreply()}\r\n`,
    () => "version\r\n",
    () => "verbosity 0\r\n",
  ];
  let stream = "";
  const count = 1 + random.int(12);
  for (let i = 0; i < count; i++) stream += makers[random.int(makers.length)]();
  return stream;
}

/** Byte-level mutations: flips, insertions, deletions, duplications, digit swaps, truncation. */
function mutate(random: SeededRandom, input: string): string {
  let text = input;
  const rounds = random.int(4);
  for (let r = 0; r < rounds && text.length > 0; r++) {
    const at = random.int(text.length);
    switch (random.int(6)) {
      case 0:
        text = text.slice(0, at) + String.fromCharCode(random.int(256)) + text.slice(at + 1);
        break;
      case 1:
        text = text.slice(0, at) + Buffer.from(random.bytes(1 + random.int(8))).toString("latin1") + text.slice(at);
        break;
      case 2:
        text = text.slice(0, at) + text.slice(at + 1 + random.int(10));
        break;
      case 3:
        text = text.slice(0, at) + text.slice(at, at + random.int(40)) + text.slice(at);
        break;
      case 4:
        text = text.replace(/\d/g, (d) => (random.int(8) === 0 ? String(random.int(10)) : d));
        break;
      case 5:
        text = text.slice(0, at);
        break;
    }
  }
  return text;
}

/**
 * Inputs whose answers legitimately differ: commands memcached has and we do not (meta commands,
 * stats groups, admin commands), and cas uniques small enough to match one server's counter.
 */
function comparable(input: string): boolean {
  for (const line of input.split("\n")) {
    const words = line.split(" ").filter((w) => w.length > 0);
    const first = words[0] ?? "";
    if (first.length === 2 && first[0] === "m") return false;
    if (["slabs", "lru", "lru_crawler", "watch", "cache_memlimit", "stats", "flush_all", "shutdown", "extstore", "debugtime"].includes(first.replace(/\0.*/, ""))) return false;
    if (first === "cas" && words.length > 5 && !/^(0|\d{17,})\r?$/.test(words[5])) return false;
  }
  return true;
}

test("mutated command streams get the same answers from our plain server as from memcached", { skip, timeout: TIME_BUDGET_MS + 30_000 }, async (t) => {
  const random = seededRandom(SEED);
  const deadline = Date.now() + TIME_BUDGET_MS;
  await storeCanaries(servers.ours);
  let compared = 0;
  for (let i = 0; i < DIFFERENTIAL_ITERATIONS && Date.now() < deadline; i++) {
    const input = mutate(random, commandStream(random, `f${i}x${random.int(1e9)}k`));
    if (!comparable(input)) continue;
    const steps = [{ send: Buffer.from(input, "latin1") }];
    const [expected, actual] = await Promise.all([
      rawExchange(servers.native.host, servers.native.port, steps, { pauseMs: 0 }),
      rawExchange(servers.ours.host, servers.ours.port, steps, { pauseMs: 0 }),
    ]);
    assert.equal(normalizeReplies(actual.received), normalizeReplies(expected.received), `seed ${SEED}, iteration ${i}, input ${JSON.stringify(input)}`);
    compared++;
    if (i % 50 === 49) await checkCanaries(servers.ours, `after differential iteration ${i}`);
  }
  await checkCanaries(servers.ours, "after the differential fuzz");
  t.diagnostic(`compared ${compared} mutated inputs with memcached`);
  assert.ok(compared >= 50, `at least 50 inputs were compared, found ${compared}`);
});

test("random bytes, huge numbers and torn streams never crash the server nor touch other keys", { skip, timeout: TIME_BUDGET_MS + 30_000 }, async () => {
  const random = seededRandom(SEED + 1);
  const deadline = Date.now() + TIME_BUDGET_MS;
  await storeCanaries(servers.ours);
  const pieces = [
    "set ", "get ", "gets ", "cas ", "incr ", "decr ", "delete ", "touch ", "gat ", "append ", "stats ", "noreply",
    "\r\n", "\n", "\r", " ", "\0", "4294967296", "-1", "2147483647", "18446744073709551616", "1073741824", "k".repeat(251),
  ];
  for (let i = 0; i < GARBAGE_ITERATIONS && Date.now() < deadline; i++) {
    const parts: Buffer[] = [];
    const count = 1 + random.int(20);
    for (let p = 0; p < count; p++) {
      parts.push(random.int(3) === 0 ? Buffer.from(random.bytes(1 + random.int(64))) : Buffer.from(pieces[random.int(pieces.length)], "latin1"));
    }
    const input = Buffer.concat(parts);
    const cut = random.int(input.length + 1);
    await rawExchange(servers.ours.host, servers.ours.port, [{ send: input.subarray(0, cut), pauseMs: 1 }, { send: input.subarray(cut) }], { pauseMs: 0 });
    if (i % 50 === 49) await checkCanaries(servers.ours, `after garbage iteration ${i}`);
  }
  await checkCanaries(servers.ours, "after the garbage fuzz");
});
