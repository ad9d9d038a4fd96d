/**
 * External ArrayBuffer bytes after one collection, once V8's concurrent sweeper has freed what
 * the collection found dead: collects once with `collect`, then waits (at most maxWaitMs, without
 * collecting again) until the count is below `below`.
 */
export async function arrayBuffersAfterCollection(collect: () => void, below: number, maxWaitMs: number): Promise<number> {
  collect();
  let bytes = process.memoryUsage().arrayBuffers;
  for (let waited = 0; bytes >= below && waited < maxWaitMs; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    bytes = process.memoryUsage().arrayBuffers;
  }
  return bytes;
}
