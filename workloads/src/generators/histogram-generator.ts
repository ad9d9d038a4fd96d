// YCSB's HistogramGenerator: sizes drawn from a histogram of buckets of width one, multiplied by
// a block size; a draw always returns the top of its bucket, so the smallest value is blockSize.

import { readFileSync } from "node:fs";
import type { SplittableRandom } from "../random/splittable-random.ts";
import { NumberGenerator } from "./number-generator.ts";

export class HistogramGenerator extends NumberGenerator {
  private readonly area: number;
  private readonly meanSize: number;

  constructor(
    private readonly random: SplittableRandom,
    private readonly buckets: readonly number[],
    readonly blockSize: number,
  ) {
    super();
    let area = 0;
    let weightedArea = 0;
    for (let i = 0; i < buckets.length; i++) {
      area += buckets[i];
      weightedArea += i * buckets[i];
    }
    if (!(area > 0 && area <= 2147483647)) {
      throw new RangeError(`a histogram needs a total count between 1 and 2^31-1, found ${area}`);
    }
    this.area = area;
    this.meanSize = (blockSize * weightedArea) / area;
  }

  /**
   * Reads YCSB's histogram file: a first line `BlockSize<TAB>n`, then `bucket<TAB>count` lines.
   * As in Java's ArrayList.add(index, value), a bucket number inserts at that position.
   */
  static fromFile(random: SplittableRandom, path: string): HistogramGenerator {
    let text: string;
    try {
      text = readFileSync(path, "latin1");
    } catch (error) {
      throw new Error(`Couldn't read field length histogram file: ${path} (${(error as Error).message})`);
    }
    const lines = text.split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    if (lines.length === 0) throw new Error(`${path}: empty histogram file`);
    const header = lines[0].split("\t");
    if (header[0] !== "BlockSize") {
      throw new Error(`${path} line 1: the first line must be "BlockSize<TAB>n", found "${lines[0]}"`);
    }
    const blockSize = parseJavaInt(header[1], `${path} line 1`);
    const buckets: number[] = [];
    for (let n = 1; n < lines.length; n++) {
      const where = `${path} line ${n + 1}`;
      const fields = lines[n].split("\t");
      const index = parseJavaInt(fields[0], where);
      const count = parseJavaInt(fields[1], where);
      if (index < 0 || index > buckets.length) {
        throw new Error(`${where}: bucket ${index} out of order, expected a bucket between 0 and ${buckets.length}`);
      }
      buckets.splice(index, 0, count);
    }
    return new HistogramGenerator(random, buckets, blockSize);
  }

  override nextValue(): number {
    let number = this.random.nextInt(this.area);
    let i: number;
    for (i = 0; i < this.buckets.length - 1; i++) {
      number -= this.buckets[i];
      if (number <= 0) return (i + 1) * this.blockSize;
    }
    return i * this.blockSize;
  }

  override mean(): number {
    return this.meanSize;
  }

  /** The largest value a draw can return. */
  get maxValue(): number {
    return (this.buckets.length - 1) * this.blockSize;
  }
}

function parseJavaInt(text: string | undefined, where: string): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text) || Math.abs(Number(text)) > 2147483647) {
    throw new Error(`${where}: expected an integer, found ${text === undefined ? "nothing" : `"${text}"`}`);
  }
  return Number(text);
}
