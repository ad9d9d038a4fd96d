/**
 * MurmurHash3_x86_32 over raw bytes (Austin Appleby's reference algorithm).
 * The routing contract: every client, proxy and server hashes a key's bytes with seed 0.
 */
export function murmur3_32(bytes: Uint8Array, seed = 0, start = 0, end = bytes.length): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const length = end - start;
  const blocksEnd = start + (length & ~3);
  for (let i = start; i < blocksEnd; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The 1 to 3 trailing bytes, little-endian, mixed like a block but without the h rotation.
  const tail = length & 3;
  if (tail > 0) {
    let k = bytes[blocksEnd];
    if (tail > 1) k ^= bytes[blocksEnd + 1] << 8;
    if (tail > 2) k ^= bytes[blocksEnd + 2] << 16;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
