/**
 * Field encoding inside peer frame payloads: a writer that grows as needed and a reader that
 * checks bounds. Timestamps and sequence numbers are written as float64, exact up to 2^53.
 */

export class PayloadWriter {
  private buffer: Buffer;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes));
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.pos++] = value;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32BE(value >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  /** A non-negative integer up to 2^53 (timestamps, sequence numbers, offsets). */
  u53(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleBE(value, this.pos);
    this.pos += 8;
    return this;
  }

  /** Bytes with a u32 length prefix. */
  bytes(value: Uint8Array): this {
    this.u32(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  string(value: string): this {
    return this.bytes(Buffer.from(value, "utf8"));
  }

  /** The payload written so far (a view; valid until the next write). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  /** Starts a new payload in the same buffer (views from finish() are then overwritten). */
  clear(): void {
    this.pos = 0;
  }
}

export class PayloadReader {
  private pos = 0;

  constructor(private readonly payload: Buffer, private readonly what = "peer payload") {}

  private need(bytes: number): void {
    if (this.pos + bytes > this.payload.length) {
      throw new Error(`${this.what}: expected ${bytes} more bytes at offset ${this.pos}, found ${this.payload.length - this.pos}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.payload[this.pos++];
  }

  u32(): number {
    this.need(4);
    const value = this.payload.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  u53(): number {
    this.need(8);
    const value = this.payload.readDoubleBE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A view of length-prefixed bytes inside the payload (copy it to keep it past the frame). */
  bytes(): Buffer {
    const length = this.u32();
    this.need(length);
    const value = this.payload.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  string(): string {
    return this.bytes().toString("utf8");
  }

  get remaining(): number {
    return this.payload.length - this.pos;
  }
}
