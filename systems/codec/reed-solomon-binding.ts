/**
 * Typed access to @ronomon/reed-solomon's prebuilt binding.node. ESM cannot import a `.node`
 * file, so it is loaded with createRequire. The binding aborts the whole process on a
 * zero-length Buffer, so every call here is checked first and bad arguments throw instead.
 */
import { createRequire } from "node:module";

interface RawBinding {
  readonly MAX_K: number;
  readonly MAX_M: number;
  create(k: number, m: number): Buffer;
  encode(
    context: Buffer,
    sources: number,
    targets: number,
    buffer: Buffer,
    bufferOffset: number,
    bufferSize: number,
    parity: Buffer,
    parityOffset: number,
    paritySize: number,
    callback: (error?: Error) => void,
  ): void;
}

let binding: RawBinding | undefined;

function load(): RawBinding {
  if (binding === undefined) {
    const require = createRequire(import.meta.url);
    binding = require("@ronomon/reed-solomon") as RawBinding;
  }
  return binding;
}

/** An encoding context for RS(k, m); `w` is the word size (2, 4 or 8) the library chose. */
export interface NativeContext {
  readonly k: number;
  readonly m: number;
  readonly w: number;
  readonly buffer: Buffer;
}

export function createNativeContext(k: number, m: number): NativeContext {
  const raw = load();
  if (k < 1 || k > raw.MAX_K || m < 1 || m > raw.MAX_M) {
    throw new RangeError(`reed-solomon: expected 1 ≤ k ≤ ${raw.MAX_K} and 1 ≤ m ≤ ${raw.MAX_M}, found k=${k} m=${m}`);
  }
  const buffer = raw.create(k, m);
  return { k, m, w: buffer[0], buffer };
}

/**
 * Shards 0..k-1 lie back to back in `data`, shards k..k+m-1 in `parity`, each `shardSize` bytes.
 * Computes the `targets` shards (bit flags) from the `sources` ones. A parity shard that is
 * neither may be overwritten, so callers pass scratch parity.
 */
export function nativeEncode(context: NativeContext, sources: number, targets: number, data: Buffer, parity: Buffer, shardSize: number): Promise<void> {
  const { k, m } = context;
  if (shardSize <= 0 || shardSize % 8 !== 0) throw new RangeError(`reed-solomon: shard size must be a positive multiple of 8, found ${shardSize}`);
  if (data.length < shardSize * k) throw new RangeError(`reed-solomon: data must hold ${k} shards of ${shardSize} bytes, found ${data.length} bytes`);
  if (parity.length < shardSize * m) throw new RangeError(`reed-solomon: parity must hold ${m} shards of ${shardSize} bytes, found ${parity.length} bytes`);
  return new Promise((resolve, reject) => {
    load().encode(context.buffer, sources, targets, data, 0, shardSize * k, parity, 0, shardSize * m, (error) => (error ? reject(error) : resolve()));
  });
}
