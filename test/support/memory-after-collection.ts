/**
 * A memory figure after one collection, once V8 has freed what the collection found dead (its
 * concurrent sweeper, or a collection run as a task of its own, finishes a moment later): collects
 * once with `collect`, then waits (at most maxWaitMs, without collecting again) until `read()` is
 * below `below`.
 */
export async function memoryAfterCollection(read: () => number, collect: () => void, below: number, maxWaitMs: number): Promise<number> {
  collect();
  let bytes = read();
  for (let waited = 0; bytes >= below && waited < maxWaitMs; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    bytes = read();
  }
  return bytes;
}

/** External ArrayBuffer bytes after one collection (memoryAfterCollection). */
export function arrayBuffersAfterCollection(collect: () => void, below: number, maxWaitMs: number): Promise<number> {
  return memoryAfterCollection(() => process.memoryUsage().arrayBuffers, collect, below, maxWaitMs);
}
