/**
 * The protocol conformance table: raw client inputs whose replies must be byte-identical between
 * native memcached 1.6 (the oracle) and our servers, after normalizeReplies(). Every mode's
 * differential test runs this one table (plain: systems/server/plain.conformance.test.ts).
 *
 * Each case is a list of writes, sent with short pauses so that each write arrives as a read of
 * its own; the exchange ends when the client half-closes and the server closes. State carries
 * over from case to case (both servers see the same sequence), so cases use keys of their own.
 */

import type { RawStep } from "../../test/support/raw-client.ts";

export interface ConformanceCase {
  name: string;
  steps: RawStep[];
}

/** Our limits as memcached's defaults: -I 1m; a 1-byte key with flags 0 fits 1048516 value bytes. */
export const MAX_VALUE_FOR_1_BYTE_KEY = 1024 * 1024 - 60;

const KEY_250 = "k".repeat(250);
const KEY_251 = "k".repeat(251);

/** One write. */
function once(name: string, input: string): ConformanceCase {
  return { name, steps: [{ send: input }] };
}

/** Several writes, each arriving separately. */
function pieces(name: string, ...inputs: string[]): ConformanceCase {
  return { name, steps: inputs.map((send) => ({ send })) };
}

/**
 * Several writes whose outcome depends on where reads end (incomplete-line limits, a client
 * leaving mid-value): longer pauses, so a loaded machine still delivers them as separate reads.
 */
function separateReads(name: string, ...inputs: string[]): ConformanceCase {
  return { name, steps: inputs.map((send) => ({ send, pauseMs: 150 })) };
}

/** The last CAS unique in the replies received so far. */
export function lastCas(received: Buffer): string {
  const matches = [...received.toString("latin1").matchAll(/^VALUE [^ ]+ \d+ \d+ (\d+)\r$/gm)];
  if (matches.length === 0) throw new Error(`expected a gets reply with a CAS unique, found ${JSON.stringify(received.toString("latin1").slice(-200))}`);
  return matches[matches.length - 1][1];
}

function value(length: number, fill = "v"): string {
  return fill.repeat(length);
}

const GOOD_COMMANDS: ConformanceCase[] = [
  once("set then get", "set a 0 0 1\r\nx\r\nget a\r\n"),
  once("set with flags and a relative expiry, then gets", "set f 4294967295 100 3\r\nabc\r\ngets f\r\n"),
  once("get of a missing key", "get nothing\r\n"),
  once("multi-get with missing keys in between and a repeated key", "set m1 1 0 1\r\na\r\nset m3 3 0 3\r\nccc\r\nget m1 m2 m3 m1 m4\r\n"),
  once("multi-get of more than 23 keys continues past the tokenizer's limit", `set k30 0 0 2\r\nhi\r\nget ${Array.from({ length: 40 }, (_, i) => `k${i}`).join(" ")}\r\n`),
  once("gets of several keys", "set g1 0 0 1\r\n1\r\nset g2 0 0 1\r\n2\r\ngets g1 g2 g3\r\n"),
  once("bget is an old alias of get", "set b 0 0 1\r\nb\r\nbget b\r\n"),
  once("add stores only a missing key", "add ad 0 0 1\r\n1\r\nadd ad 0 0 1\r\n2\r\nget ad\r\n"),
  once("replace stores only an existing key", "replace rp 0 0 1\r\n1\r\nset rp 0 0 1\r\n1\r\nreplace rp 5 0 1\r\n2\r\nget rp\r\n"),
  once("append and prepend keep the old flags and need an existing key", "append ap 0 0 1\r\nx\r\nset ap 7 0 2\r\nmm\r\nappend ap 1 0 2\r\nzz\r\nprepend ap 2 0 2\r\naa\r\nget ap\r\nprepend nope 0 0 1\r\nx\r\n"),
  once("an empty value, appended to", "set e 0 0 0\r\n\r\nget e\r\nappend e 0 0 3\r\nabc\r\nget e\r\n"),
  once("values with CR, LF, CRLF and NUL bytes inside are binary-safe", "set bin 0 0 12\r\na\r\nb\rc\nd\0e\r\n\r\nget bin\r\n"),
  once("a value that looks like a command", "set cmd 0 0 13\r\nget a\r\nquit\r\n\r\nget cmd\r\n"),
  {
    name: "gets then cas with the current unique stores, with a stale one does not",
    steps: [
      { send: "set c 0 0 1\r\nx\r\ngets c\r\n", waitFor: "END\r\n" },
      { send: (r) => `cas c 0 0 1 ${lastCas(r)}\r\ny\r\ngets c\r\n`, waitFor: "END\r\n" },
      { send: (r) => `cas c 0 0 1 ${Number(lastCas(r)) - 1}\r\nz\r\ncas c 0 0 1 0\r\nz\r\ncas nope 0 0 1 1\r\nz\r\nget c\r\n` },
    ],
  },
  {
    name: "cas with noreply and a cas unique beyond 2^53",
    steps: [
      { send: "set cn 0 0 1\r\nx\r\ngets cn\r\n", waitFor: "END\r\n" },
      { send: (r) => `cas cn 0 0 1 ${lastCas(r)} noreply\r\ny\r\ncas cn 0 0 1 18446744073709551615\r\nz\r\nget cn\r\n` },
    ],
  },
  once("delete, delete with 0, delete of a missing key", "set d 0 0 1\r\nx\r\ndelete d\r\ndelete d\r\nset d 0 0 1\r\nx\r\ndelete d 0\r\nget d\r\n"),
  once("incr and decr, with decr stopping at zero and shorter results padded with spaces", "set n 5 0 3\r\n100\r\ndecr n 1\r\nget n\r\nincr n 901\r\nget n\r\ndecr n 5000\r\ngets n\r\n"),
  once("incr wraps around at 2^64", "set w 0 0 20\r\n18446744073709551615\r\nincr w 1\r\nget w\r\nincr w 18446744073709551615\r\n"),
  once("incr on non-numeric values, empty values and numbers over 64 bits", "set nn 0 0 2\r\nab\r\nincr nn 1\r\nset nn 0 0 0\r\n\r\ndecr nn 1\r\nset nn 0 0 21\r\n184467440737095516160\r\nincr nn 1\r\nset nn 0 0 2\r\n9x\r\nincr nn 1\r\n"),
  once("incr parses values the way strtoull does", "set s 0 0 3\r\n 12\r\nincr s 1\r\nset s 0 0 3\r\n12 \r\nincr s 1\r\nset s 0 0 3\r\n+12\r\nincr s 1\r\nset s 0 0 2\r\n-1\r\nincr s 1\r\nset s 0 0 2\r\n-0\r\nincr s 1\r\nset s 0 0 3\r\n7\r\n\r\nincr s 3\r\nget s\r\n"),
  once("incr grows a value past its length", "set g 3 0 1\r\n9\r\nincr g 1\r\ngets g\r\n"),
  once("incr and decr of missing keys and bad deltas", "incr none 1\r\ndecr none 1\r\nset i 0 0 1\r\n1\r\nincr i -1\r\nincr i abc\r\nincr i 18446744073709551616\r\nincr i -18446744073709551615\r\ndecr i 01\r\nincr i \t5\r\nincr i 5x\r\n"),
  once("touch, gat and gats", "set t 0 0 1\r\nx\r\ntouch t 100\r\ntouch nope 100\r\ngat 100 t nope\r\ngats 0 t\r\ngat abc t\r\ngat 10\r\n"),
  once("a negative expiry stores an already expired item", "set neg 0 -1 1\r\nx\r\nget neg\r\nset neg 0 0 1\r\nx\r\ntouch neg -1\r\nget neg\r\n"),
  once("an absolute expiry in the past expires at once, one in the future does not", "set past 0 1000000000 1\r\nx\r\nget past\r\nset future 0 4000000000 1\r\ny\r\nget future\r\n"),
  once("gat with a negative expiry returns the value once", "set gn 0 0 1\r\nx\r\ngat -1 gn\r\nget gn\r\n"),
  once("add over an expired item stores it", "set ax 0 -1 1\r\nx\r\nadd ax 0 0 1\r\ny\r\nget ax\r\n"),
  once("flush_all forms", "set fa 0 0 1\r\nx\r\nflush_all\r\nget fa\r\nflush_all 0\r\nflush_all -1\r\nflush_all abc\r\nflush_all noreply 5\r\nflush_all 1 2 3\r\nflush_all 0 0\r\n"),
  once("flush_all with a delay of one second flushes at once", "set fd 0 0 1\r\nx\r\nflush_all 1\r\nget fd\r\n"),
  once("flush_all with a long delay leaves items readable for now", "set fl 0 0 1\r\nx\r\nflush_all 1000\r\nget fl\r\nflush_all 0\r\nget fl\r\n"),
  once("verbosity forms", "verbosity\r\nverbosity 1\r\nverbosity abc\r\nverbosity 1 noreply\r\nverbosity 1 2\r\nverbosity 1 2 3\r\nverbosity -1\r\n"),
  once("version, with and without arguments", "version\r\nversion x\r\n"),
  once("stats, stats settings and stats of an unknown group", "stats\r\nstats settings\r\nstats nonsense\r\n"),
  once("stats reset and stats detail forms", "stats reset\r\nstats detail\r\nstats detail on\r\nstats detail dump\r\nstats detail off\r\nstats detail bogus\r\n"),
  once("quit closes after answering what came before it", "set q 0 0 1\r\nx\r\nget q\r\nquit\r\nget q\r\n"),
  once("quit with arguments still quits", "quit now\r\nversion\r\n"),
  once("shutdown is refused", "shutdown\r\n"),
];

const NOREPLY: ConformanceCase[] = [
  once("noreply on every storage command", "set nr 0 0 1 noreply\r\na\r\nadd nr 0 0 1 noreply\r\nb\r\nreplace nr 0 0 1 noreply\r\nc\r\nappend nr 0 0 1 noreply\r\nd\r\nprepend nr 0 0 1 noreply\r\ne\r\nget nr\r\n"),
  once("noreply on delete, incr, decr, touch, flush_all and verbosity", "set nr2 0 0 1\r\n5\r\nincr nr2 5 noreply\r\ndecr nr2 1 noreply\r\ntouch nr2 100 noreply\r\nget nr2\r\ndelete nr2 noreply\r\ndelete nr2 0 noreply\r\nflush_all noreply\r\nflush_all 0 noreply\r\nverbosity 1 noreply\r\nget nr2\r\n"),
  once("noreply silences errors too, and a bad noreply line's value is read as a command", "set nr3 x 0 1 noreply\r\nv\r\nincr nr3 abc noreply\r\ntouch nr3 abc noreply\r\nset nr3 0 0 1 noreply\r\nxy\r\ndelete nr3 x noreply\r\n"),
  once("noreply on a failed add, replace and cas", "set nr4 0 0 1\r\nx\r\nadd nr4 0 0 1 noreply\r\ny\r\nreplace nope 0 0 1 noreply\r\ny\r\ncas nr4 0 0 1 1 noreply\r\ny\r\nget nr4\r\n"),
  once("noreply as a key is a key", "set noreply 0 0 1\r\nx\r\nget noreply\r\ndelete noreply\r\n"),
];

const BAD_INPUT: ConformanceCase[] = [
  once("empty lines and lone CR", "\r\n\n\r\r\n  \r\nget\r\n"),
  once("unknown commands and one-letter commands", "foo\r\nx\r\nsets a\r\ngetx a\r\nadds a 0 0 1\r\nDELETE a\r\nincrement a 1\r\ntouched a 1\r\nreplaced a\r\n"),
  once("storage commands with too few or too many tokens", "set a 0 0\r\nset a 0 0 1 noreply extra\r\nx\r\nadd a\r\ncas a 0 0 1\r\nx\r\nincr a\r\nincr a 1 2 3\r\ntouch a\r\ntouch a 1 2 3\r\ndelete\r\ndelete a b c d\r\n"),
  once("an extra non-noreply token on set is ignored", "set xt 0 0 1 junk\r\nx\r\nget xt\r\n"),
  once("bad delete forms", "delete a 1\r\ndelete a 0 0\r\ndelete a x noreply\r\ndelete a noreply 0\r\n"),
  once("bad flags, expiry and length", "set a x 0 1\r\nx\r\nset a 0 x 1\r\nx\r\nset a 0 0 x\r\nx\r\nset a -1 0 1\r\nx\r\nset a 0 0 0x1\r\nx\r\nset a 1.5 0 1\r\nx\r\n"),
  once("numbers are parsed as C does: leading whitespace, plus sign, 32-bit truncation", "set nb \t1 +0 1\r\nx\r\nget nb\r\nset nb 4294967297 0 1\r\ny\r\nget nb\r\nset nb 0 0 4294967297\r\nz\r\nget nb\r\nset nb 00000000000000000000001 0 1\r\nw\r\nget nb\r\n"),
  once("a negative length is a format error and the data line is read as a command", "set a 0 0 -1\r\nx\r\nget a\r\n"),
  once("lengths at the format limit: INT_MAX - 2 is swallowed, INT_MAX - 1 is an error", "set a 0 0 2147483646\r\nget a\r\nset a 0 0 2147483645\r\n"),
  once("a value longer than declared is a bad data chunk and harms nothing", "set bd 0 0 1\r\nx\r\nset bd 0 0 1\r\nxy\r\nget bd\r\nset bd 0 0 3\r\nabcd\r\nget bd\r\n"),
  once("a value shorter than declared swallows the next line", "set sh 0 0 5\r\nab\r\nget sh\r\nget sh\r\n"),
  once("a value whose CRLF is missing", "set cr 0 0 2\r\nab\r\r\nget cr\r\n"),
  once("NUL bytes end a command line", "set nul 0 0 1\r\nx\r\nget nul\0trailing\r\nset a\0 0 0 1\r\nx\r\n"),
  once("keys with control characters and high bytes are keys", "set a\tb 0 0 1\r\n1\r\nset a\x01b 0 0 1\r\n2\r\nset \x7f\xff\xe9 0 0 1\r\n3\r\nget a\tb a\x01b \x7f\xff\xe9\r\ndelete a\tb\r\n"),
  once("a key of 250 bytes works everywhere", `set ${KEY_250} 0 0 1\r\n5\r\nget ${KEY_250}\r\nincr ${KEY_250} 1\r\ntouch ${KEY_250} 10\r\ndelete ${KEY_250}\r\n`),
  separateReads("a key of 251 bytes is a format error for every command", `set ${KEY_251} 0 0 1\r\nx\r\n`, `get ${KEY_251}\r\n`, `incr ${KEY_251} 1\r\ndecr ${KEY_251} 1\r\ntouch ${KEY_251} 1\r\ndelete ${KEY_251}\r\n`, `gets a ${KEY_251}\r\n`),
  once("a too-long key in a multi-get drops this get's values", `set tl 0 0 1\r\nx\r\nget tl\r\nget tl ${KEY_251} tl\r\n`),
  once("a too-long key in a multi-get drops the unsent replies before it", `set tl2 0 0 1\r\nx\r\ndelete nope\r\nget tl2 ${KEY_251}\r\nget tl2\r\n`),
  once("HTTP requests close the connection", "version\r\nGET / HTTP/1.1\r\nversion\r\n"),
  once("a get that mentions HTTP is still a get", "get / HTTP/1.1\r\n"),
  once("meta-looking commands we do not implement are answered like unknown ones", "mx a\r\nmeta a\r\n"),
];

const SIZES: ConformanceCase[] = [
  once("a value of exactly the largest size is stored", `set k 0 0 ${MAX_VALUE_FOR_1_BYTE_KEY}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY)}\r\nget k\r\n`),
  once("one byte more is too large, swallowed, and removes the old value", `set k 0 0 1\r\nx\r\nset k 0 0 ${MAX_VALUE_FOR_1_BYTE_KEY + 1}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY + 1)}\r\nget k\r\n`),
  once("non-zero flags cost 4 bytes of the item size", `set k 1 0 ${MAX_VALUE_FOR_1_BYTE_KEY - 4}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY - 4)}\r\nset k 1 0 ${MAX_VALUE_FOR_1_BYTE_KEY - 3}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY - 3)}\r\nget k\r\n`),
  once("a longer key leaves less room for the value", `set ${KEY_250} 0 0 ${MAX_VALUE_FOR_1_BYTE_KEY - 249}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY - 249)}\r\nset ${KEY_250} 0 0 ${MAX_VALUE_FOR_1_BYTE_KEY - 248}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY - 248)}\r\nget ${KEY_250}\r\n`),
  once("add and replace that are too large do not remove the old value", `set ar 0 0 1\r\nx\r\nreplace ar 0 0 2000000\r\n${value(2000000)}\r\nadd ar 0 0 2000000\r\n${value(2000000)}\r\nget ar\r\n`),
  once("append beyond the largest size is not stored", `set ab 0 0 ${MAX_VALUE_FOR_1_BYTE_KEY - 10}\r\n${value(MAX_VALUE_FOR_1_BYTE_KEY - 10)}\r\nappend ab 0 0 10\r\n0123456789\r\nappend ab 0 0 1\r\nx\r\nget ab\r\n`),
  once("a too-large value with noreply is silent", `set k 0 0 2000000 noreply\r\n${value(2000000)}\r\nget k\r\n`),
  separateReads("a huge declared size is swallowed until the client gives up", "set a 0 0 1\r\nx\r\nset huge 0 0 1073741824\r\n", "some of the data\r\n"),
  separateReads("a client that disconnects mid-value stores nothing and loses the unflushed replies", "set mid 0 0 1\r\nx\r\ndelete nope\r\nset mid 0 0 10\r\nabc"),
  pieces("after the client that disconnected mid-value, the key is unchanged", "get mid\r\n"),
  pieces("a value split across writes", "set sv 0 0 10\r\nabc", "defg", "hij\r", "\nget sv\r\n"),
  pieces("a command line split across writes", "se", "t sl 0 0", " 1\r", "\nx\r\nge", "t sl\r\n"),
];

const LONG_LINES: ConformanceCase[] = [
  once("a 3000-byte command line in one write is processed", `set ${"k".repeat(3000)} 0 0 1\r\nx\r\nget ${"k".repeat(3000)}\r\n`),
  once("a 16000-byte command line in one write is processed", `set lk 0 0 1 ${"z".repeat(16000)}\r\nx\r\nget lk\r\n`),
  once("a 17000-byte command line closes the connection", `version\r\nset lk 0 0 1 ${"z".repeat(17000)}\r\nx\r\n`),
  separateReads("an incomplete line over 2048 bytes closes the connection", `version\r\nset lk 0 0 1 ${"z".repeat(2100)}`, "\r\nx\r\n"),
  separateReads("an incomplete line of 2000 bytes waits for the rest", `set lk 0 0 1 ${"z".repeat(2000)}`, "\r\nx\r\nget lk\r\n"),
  separateReads("an incomplete multi-get over 2048 bytes waits for the rest", `set lg 0 0 1\r\nx\r\nget lg ${"z ".repeat(1500)}`, "lg\r\n"),
  separateReads("an incomplete line of more than 100 spaces before get closes", `${" ".repeat(101)}get ${"z ".repeat(1100)}`, "\r\n"),
];

/** Many commands in one write: more than memcached's 20 requests per event, mixed kinds. */
function pipelined(): ConformanceCase {
  let input = "";
  for (let i = 0; i < 30; i++) input += `set p${i} ${i} 0 ${String(i).length}\r\n${i}\r\n`;
  for (let i = 0; i < 30; i += 3) input += `incr p${i} 7\r\nappend p${i + 1} 0 0 1\r\n!\r\ndelete p${i + 2}\r\n`;
  input += `get ${Array.from({ length: 30 }, (_, i) => `p${i}`).join(" ")}\r\n`;
  return once("a pipelined batch of 70 mixed commands in one write", input);
}

/** One sequence sent in two writes, split at every byte boundary. */
function splitEverywhere(): ConformanceCase[] {
  const input = "set sp 3 0 6\r\nab\r\n\r\n\r\ngets sp\r\nincr sp 1\r\ndelete sp\r\n";
  const cases: ConformanceCase[] = [];
  for (let cut = 1; cut < input.length; cut++) {
    cases.push(pieces(`split at byte ${cut}`, input.slice(0, cut), input.slice(cut)));
  }
  return cases;
}

export const CONFORMANCE_CASES: ConformanceCase[] = [
  ...GOOD_COMMANDS,
  ...NOREPLY,
  ...BAD_INPUT,
  ...SIZES,
  ...LONG_LINES,
  pipelined(),
  ...splitEverywhere(),
];

/**
 * What may legitimately differ between two memcached-compatible servers, made equal: CAS uniques
 * become c1, c2, ... in order of first appearance (so reuse is still checked), a block of STAT
 * lines becomes one "STAT *" line, and the version string becomes "*". Value bytes are copied
 * untouched (a VALUE line's length says how many).
 */
export function normalizeReplies(received: Buffer): string {
  const text = received.toString("latin1");
  const casNames = new Map<string, string>();
  let out = "";
  let pos = 0;
  while (pos < text.length) {
    const eol = text.indexOf("\r\n", pos);
    if (eol < 0) {
      out += text.slice(pos);
      break;
    }
    const line = text.slice(pos, eol);
    pos = eol + 2;
    const valueLine = /^VALUE ([^ ]+) (\d+) (\d+)(?: (\d+))?$/.exec(line);
    if (valueLine !== null) {
      let cas = "";
      if (valueLine[4] !== undefined) {
        if (!casNames.has(valueLine[4])) casNames.set(valueLine[4], `c${casNames.size + 1}`);
        cas = ` ${casNames.get(valueLine[4])}`;
      }
      out += `VALUE ${valueLine[1]} ${valueLine[2]} ${valueLine[3]}${cas}\r\n`;
      const end = Math.min(text.length, pos + Number(valueLine[3]) + 2);
      out += text.slice(pos, end);
      pos = end;
      continue;
    }
    if (line.startsWith("STAT ")) {
      if (!out.endsWith("STAT *\r\n")) out += "STAT *\r\n";
      continue;
    }
    if (line.startsWith("VERSION ")) {
      out += "VERSION *\r\n";
      continue;
    }
    out += `${line}\r\n`;
  }
  return out;
}
