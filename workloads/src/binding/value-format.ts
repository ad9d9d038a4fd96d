import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * The bytes the driver stores, chosen so that any read can be checked: a value names the key it
 * belongs to, the version that wrote it and its own length, and carries a checksum. Every value is
 * exactly the requested length (the memory experiment divides by these bytes).
 *
 * Full form, length >= 17 (all little-endian):
 *   [0]      0xC7 magic
 *   [1..5)   crc32 of bytes [5, length)
 *   [5..9)   FNV-1a 32 of the key's bytes
 *   [9..13)  version
 *   [13..17) length
 *   [17..)   filler: the shared pattern from an offset chosen by (key hash, version)
 *   Verifies key, version, length and every byte (checksum).
 *
 * Short form, 9 <= length < 17 (e.g. the 10-byte values of the Zipf 10 B–1 KB workload):
 *   [0] 0xC8, [1..5) version, [5..9) tag = crc32(key hash, version, length), [9..) filler from the tag.
 *   Verifies key, version and length through the tag, and every filler byte against the pattern.
 *
 * Tiny form, 1 <= length < 9: [0] 0xC9, then the first length-1 bytes of the tag with version 0.
 *   Verifies the key and length only as far as length-1 tag bytes go; no version. A 0-byte value
 *   verifies nothing.
 */

export const FULL_HEADER_BYTES = 17;
export const SHORT_HEADER_BYTES = 9;
const MAGIC_FULL = 0xc7;
const MAGIC_SHORT = 0xc8;
const MAGIC_TINY = 0xc9;

const PATTERN_PERIOD = 65536;
/** The filler pattern, twice over, so any window of up to PATTERN_PERIOD bytes is contiguous. */
const PATTERN: Buffer = (() => {
  const once = createHash("shake256", { outputLength: PATTERN_PERIOD }).update("ycsb-ts value filler v1").digest();
  return Buffer.concat([once, once]);
})();

/** FNV-1a 32 over key bytes: the key's fingerprint inside its value. */
export function keyHash(key: Uint8Array, start = 0, end = key.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= key[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const tagScratch = Buffer.alloc(12);
function tagOf(hash: number, version: number, length: number): number {
  tagScratch.writeUInt32LE(hash, 0);
  tagScratch.writeUInt32LE(version >>> 0, 4);
  tagScratch.writeUInt32LE(length >>> 0, 8);
  return crc32(tagScratch);
}

function fillerOffset(hash: number, version: number): number {
  return ((hash ^ Math.imul(version, 0x9e3779b1)) >>> 0) % PATTERN_PERIOD;
}

function writeFiller(dst: Buffer, start: number, end: number, offset: number): void {
  let at = start;
  while (at < end) {
    const n = Math.min(end - at, PATTERN_PERIOD);
    PATTERN.copy(dst, at, offset, offset + n);
    at += n;
  }
}

function fillerMatches(src: Buffer, start: number, end: number, offset: number): boolean {
  let at = start;
  while (at < end) {
    const n = Math.min(end - at, PATTERN_PERIOD);
    if (PATTERN.compare(src, at, at + n, offset, offset + n) !== 0) return false;
    at += n;
  }
  return true;
}

/** Writes the value of `length` bytes for (key hash, version) into dst at offset. */
export function writeValue(dst: Buffer, offset: number, length: number, hash: number, version: number): void {
  if (length >= FULL_HEADER_BYTES) {
    dst[offset] = MAGIC_FULL;
    dst.writeUInt32LE(hash, offset + 5);
    dst.writeUInt32LE(version >>> 0, offset + 9);
    dst.writeUInt32LE(length, offset + 13);
    writeFiller(dst, offset + FULL_HEADER_BYTES, offset + length, fillerOffset(hash, version));
    dst.writeUInt32LE(crc32(dst.subarray(offset + 5, offset + length)), offset + 1);
  } else if (length >= SHORT_HEADER_BYTES) {
    const tag = tagOf(hash, version, length);
    dst[offset] = MAGIC_SHORT;
    dst.writeUInt32LE(version >>> 0, offset + 1);
    dst.writeUInt32LE(tag, offset + 5);
    writeFiller(dst, offset + SHORT_HEADER_BYTES, offset + length, tag % PATTERN_PERIOD);
  } else if (length >= 1) {
    const tag = tagOf(hash, 0, length);
    dst[offset] = MAGIC_TINY;
    for (let i = 1; i < length; i++) dst[offset + i] = (tag >>> (8 * (i - 1))) & 0xff;
  }
}

/** What a check found; "ok" or the first thing that was wrong. */
export type ValueCheck = "ok" | "bad-magic" | "wrong-key" | "wrong-length" | "bad-checksum" | "bad-filler";

/** The outcome of a check plus the version the value carries (-1 when its form has none). */
export interface CheckedValue {
  check: ValueCheck;
  version: number;
}

/** Checks that src[start, end) is a value this format wrote for the key with hash `hash`. */
export function checkValue(src: Buffer, start: number, end: number, hash: number, out: CheckedValue): CheckedValue {
  const length = end - start;
  out.version = -1;
  if (length >= FULL_HEADER_BYTES) {
    if (src[start] !== MAGIC_FULL) return setCheck(out, "bad-magic");
    if (src.readUInt32LE(start + 5) !== hash) return setCheck(out, "wrong-key");
    if (src.readUInt32LE(start + 13) !== length) return setCheck(out, "wrong-length");
    if (crc32(src.subarray(start + 5, end)) !== src.readUInt32LE(start + 1)) return setCheck(out, "bad-checksum");
    out.version = src.readUInt32LE(start + 9);
    return setCheck(out, "ok");
  }
  if (length >= SHORT_HEADER_BYTES) {
    if (src[start] !== MAGIC_SHORT) return setCheck(out, "bad-magic");
    const version = src.readUInt32LE(start + 1);
    const tag = tagOf(hash, version, length);
    if (src.readUInt32LE(start + 5) !== tag) return setCheck(out, "wrong-key");
    if (!fillerMatches(src, start + SHORT_HEADER_BYTES, end, tag % PATTERN_PERIOD)) return setCheck(out, "bad-filler");
    out.version = version;
    return setCheck(out, "ok");
  }
  if (length >= 1) {
    if (src[start] !== MAGIC_TINY) return setCheck(out, "bad-magic");
    const tag = tagOf(hash, 0, length);
    for (let i = 1; i < length; i++) if (src[start + i] !== ((tag >>> (8 * (i - 1))) & 0xff)) return setCheck(out, "wrong-key");
  }
  return setCheck(out, "ok");
}

function setCheck(out: CheckedValue, check: ValueCheck): CheckedValue {
  out.check = check;
  return out;
}
