/**
 * Numeric tokens parsed exactly as memcached 1.6 parses them (util.c's safe_strtol / safe_strtoul /
 * safe_strtoull on top of C's strtol family), straight from the request bytes.
 *
 * What C does and memcached keeps: leading whitespace is skipped, a sign is accepted, parsing stops
 * at the first non-digit, which must be whitespace or the end of the token; a value out of the
 * 64-bit range fails; a negative number given to an unsigned parser wraps modulo 2^64 and fails
 * only when the wrapped value has its top bit set. The 32-bit variants then truncate like a C cast
 * (`set k 4294967297 0 1` stores flags 1), which is why the results are computed, not validated.
 */

const SPACE = 0x20;
const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;

/** C's isspace in the "C" locale. */
export function isCSpace(byte: number): boolean {
  return byte === SPACE || (byte >= 0x09 && byte <= 0x0d);
}

/** The result of scanning one decimal integer the way strtol/strtoull do. */
interface Scan {
  negative: boolean;
  magnitude: bigint;
  /** Whether any digit was read (C's endptr != str). */
  digits: boolean;
  /** Whether the text after the digits is acceptable to memcached (end of token or whitespace). */
  cleanEnd: boolean;
}

function scan(buf: Uint8Array, start: number, end: number): Scan {
  let i = start;
  while (i < end && isCSpace(buf[i])) i++;
  let negative = false;
  if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) {
    negative = buf[i] === MINUS;
    i++;
  }
  const digitsStart = i;
  while (i < end && buf[i] >= ZERO && buf[i] <= NINE) i++;
  const digits = i > digitsStart;
  const magnitude = digits ? BigInt(Buffer.from(buf.buffer, buf.byteOffset + digitsStart, i - digitsStart).toString("latin1")) : 0n;
  return { negative, magnitude, digits, cleanEnd: i === end || isCSpace(buf[i]) };
}

/**
 * Fast path shared by all parsers: a token of 1 to 15 plain digits (what every well-formed request
 * sends). Returns -1 when the token needs the general scan.
 */
function plainDigits(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 1 || length > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (byte < ZERO || byte > NINE) return -1;
    value = value * 10 + (byte - ZERO);
  }
  return value;
}

/** memcached's safe_strtol into an int32_t: the value, truncated to 32 bits, or null when rejected. */
export function parseInt32(buf: Uint8Array, start: number, end: number): number | null {
  const fast = plainDigits(buf, start, end);
  if (fast >= 0) return fast | 0;
  const s = scan(buf, start, end);
  if (!s.digits || !s.cleanEnd) return null;
  // strtol into a 64-bit long: ERANGE beyond [-2^63, 2^63 - 1].
  if (s.negative ? s.magnitude > TWO_63 : s.magnitude >= TWO_63) return null;
  const value = s.negative ? -s.magnitude : s.magnitude;
  return Number(BigInt.asIntN(32, value));
}

/** memcached's safe_strtoull: the unsigned 64-bit value, or null when rejected. */
export function parseUint64(buf: Uint8Array, start: number, end: number): bigint | null {
  const fast = plainDigits(buf, start, end);
  if (fast >= 0) return BigInt(fast);
  return scanUnsigned(buf, start, end);
}

/** memcached's safe_strtoul into a uint32_t (flags, verbosity): truncated to 32 bits, or null. */
export function parseUint32(buf: Uint8Array, start: number, end: number): number | null {
  const fast = plainDigits(buf, start, end);
  if (fast >= 0) return fast >>> 0;
  const value = scanUnsigned(buf, start, end);
  return value === null ? null : Number(BigInt.asUintN(32, value));
}

function scanUnsigned(buf: Uint8Array, start: number, end: number): bigint | null {
  const s = scan(buf, start, end);
  if (!s.digits || !s.cleanEnd || s.magnitude >= TWO_64) return null;
  const value = s.negative ? (TWO_64 - s.magnitude) % TWO_64 : s.magnitude;
  // memcached refuses a wrapped negative only when it looks negative as a signed number.
  if (s.negative && value >= TWO_63) return null;
  return value;
}

/**
 * Parses a CAS unique from a cas command. Our store's CAS values are JS numbers (< 2^53); a larger
 * client value is valid syntax but can never match, so it maps to -1.
 */
export function parseCasUnique(buf: Uint8Array, start: number, end: number): number | null {
  const fast = plainDigits(buf, start, end);
  if (fast >= 0) return fast;
  const value = scanUnsigned(buf, start, end);
  if (value === null) return null;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : -1;
}

/** Writes the decimal digits of a non-negative integer (< 2^53) at buf[pos]; returns the new position. */
export function writeDecimal(buf: Uint8Array, pos: number, value: number): number {
  if (value < 10) {
    buf[pos] = ZERO + value;
    return pos + 1;
  }
  const end = pos + decimalLength(value);
  let i = end - 1;
  if (value <= 0x7fffffff) {
    // Integer arithmetic for the common case (lengths, flags, small CAS uniques).
    for (let v = value | 0; v > 0; v = (v / 10) | 0) buf[i--] = ZERO + (v % 10);
    return end;
  }
  for (let v = value; v > 0; v = Math.floor(v / 10)) buf[i--] = ZERO + (v % 10);
  return end;
}

/** How many bytes writeDecimal produces for `value`. */
export function decimalLength(value: number): number {
  if (value < 10) return 1;
  if (value < 100) return 2;
  if (value < 1000) return 3;
  if (value < 10000) return 4;
  if (value < 100000) return 5;
  let digits = 6;
  for (let limit = 1000000; value >= limit; limit *= 10) digits++;
  return digits;
}
