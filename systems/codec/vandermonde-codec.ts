/**
 * Byte-wise Reed-Solomon over GF(2^8) in TypeScript, the code the original Cocytus uses through
 * Jerasure: a systematic generator [I; C] derived from an extended Vandermonde matrix, then scaled
 * so that C's first row and first column are all ones (parity 0 is plain XOR). Every byte of a
 * parity shard depends only on the same byte of the data shards, so a change's parity delta is
 * coef · diff over exactly the changed bytes. Synchronous.
 */
import {
  PAGE_SIZE,
  checkCodingParameters,
  checkDecodeArguments,
  checkPage,
  checkPatch,
  type DeltaRequest,
  type ErasureCodec,
  type ParityPatch,
} from "./codec.ts";
import { addScaled, gfInverse, gfMultiply, gfPower, invertMatrix, multiplyMatrices } from "./gf256.ts";

/**
 * The m x k coding matrix C (row-major): parity j = Σ_i C[j][i] · data i.
 * Extended Vandermonde rows (e_0, then (1, a, a², …) for a = 1, 2, …, then e_{k-1}) make every
 * k rows independent; multiplying by the inverse of the top k rows makes the code systematic;
 * column and row scaling (which keep every k rows independent) set row 0 and column 0 to ones.
 */
export function vandermondeCodingMatrix(k: number, m: number): number[] {
  const n = k + m;
  const vandermonde: number[] = [];
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < k; column++) {
      if (row === 0) vandermonde.push(column === 0 ? 1 : 0);
      else if (row === n - 1) vandermonde.push(column === k - 1 ? 1 : 0);
      else vandermonde.push(gfPower(row, column));
    }
  }
  const topInverse = invertMatrix(vandermonde.slice(0, k * k), k);
  const generator = multiplyMatrices(vandermonde, topInverse, n, k, k);
  const coding = generator.slice(k * k);
  for (let column = 0; column < k; column++) {
    const scale = gfInverse(coding[column]);
    for (let row = 0; row < m; row++) coding[row * k + column] = gfMultiply(coding[row * k + column], scale);
  }
  for (let row = 1; row < m; row++) {
    const scale = gfInverse(coding[row * k]);
    for (let column = 0; column < k; column++) coding[row * k + column] = gfMultiply(coding[row * k + column], scale);
  }
  return coding;
}

/** Every k-row subset of [I; C] as a list of row indices (for the MDS check). */
function* subsets(n: number, size: number, start = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === size) {
    yield chosen.slice();
    return;
  }
  for (let i = start; i < n; i++) {
    chosen.push(i);
    yield* subsets(n, size, i + 1, chosen);
    chosen.pop();
  }
}

export class VandermondeCodec implements ErasureCodec {
  readonly name = "gf256-vandermonde" as const;
  readonly k: number;
  readonly m: number;
  /** The m x k coding matrix, row-major. */
  readonly coding: readonly number[];
  /** Decoding rows per (present shards, lost shards), built on first use. */
  private readonly decodePlans = new Map<string, { sources: number[]; rows: number[][] }>();

  constructor(k: number, m: number) {
    checkCodingParameters(k, m);
    this.k = k;
    this.m = m;
    this.coding = vandermondeCodingMatrix(k, m);
    for (const rows of subsets(k + m, k)) invertMatrix(this.generatorRows(rows), k);
  }

  coefficient(parityIndex: number, dataIndex: number): number {
    return this.coding[parityIndex * this.k + dataIndex];
  }

  async encode(data: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (data.length !== this.k) throw new RangeError(`codec: encode expects ${this.k} data pages, found ${data.length}`);
    data.forEach((page, index) => checkPage(page, `data page ${index}`));
    const parity: Uint8Array[] = [];
    for (let j = 0; j < this.m; j++) {
      const page = new Uint8Array(PAGE_SIZE);
      for (let i = 0; i < this.k; i++) addScaled(page, 0, data[i], this.coefficient(j, i));
      parity.push(page);
    }
    return parity;
  }

  async encodeDelta(dataIndex: number, diffPage: Uint8Array): Promise<Uint8Array[]> {
    return this.deltaOf(dataIndex, diffPage);
  }

  async encodeDeltas(requests: readonly DeltaRequest[]): Promise<Uint8Array[][]> {
    return requests.map((request) => this.deltaOf(request.dataIndex, request.diffPage));
  }

  async decode(shards: readonly (Uint8Array | null)[], lost: readonly number[]): Promise<Uint8Array[]> {
    const present = checkDecodeArguments(this.k, this.m, shards, lost);
    const plan = this.decodePlan(present, lost);
    return plan.rows.map((row) => {
      const page = new Uint8Array(PAGE_SIZE);
      row.forEach((coefficient, s) => addScaled(page, 0, shards[plan.sources[s]] as Uint8Array, coefficient));
      return page;
    });
  }

  applyDeltas(parityIndex: number, patches: readonly ParityPatch[]): undefined {
    if (!Number.isInteger(parityIndex) || parityIndex < 0 || parityIndex >= this.m) {
      throw new RangeError(`codec: parityIndex must be 0..${this.m - 1}, found ${parityIndex}`);
    }
    for (const patch of patches) checkPatch(this.k, patch);
    for (const patch of patches) addScaled(patch.parityPage, patch.pageOffset, patch.diff, this.coefficient(parityIndex, patch.dataIndex));
    return undefined;
  }

  private deltaOf(dataIndex: number, diffPage: Uint8Array): Uint8Array[] {
    if (!Number.isInteger(dataIndex) || dataIndex < 0 || dataIndex >= this.k) throw new RangeError(`codec: dataIndex must be 0..${this.k - 1}, found ${dataIndex}`);
    checkPage(diffPage, "diffPage");
    const deltas: Uint8Array[] = [];
    for (let j = 0; j < this.m; j++) {
      const delta = new Uint8Array(PAGE_SIZE);
      addScaled(delta, 0, diffPage, this.coefficient(j, dataIndex));
      deltas.push(delta);
    }
    return deltas;
  }

  /** Rows r of the generator [I; C] stacked (k x k each row block), row-major. */
  private generatorRows(rows: readonly number[]): number[] {
    const matrix: number[] = [];
    for (const row of rows) {
      for (let column = 0; column < this.k; column++) {
        matrix.push(row < this.k ? (row === column ? 1 : 0) : this.coding[(row - this.k) * this.k + column]);
      }
    }
    return matrix;
  }

  /**
   * For the first k present shards S: data = inverse(G_S) · shards_S, so lost shard r is
   * (G_r · inverse(G_S)) · shards_S — one row of k coefficients per lost shard.
   */
  private decodePlan(present: readonly number[], lost: readonly number[]): { sources: number[]; rows: number[][] } {
    const key = `${present.join(",")}/${lost.join(",")}`;
    let plan = this.decodePlans.get(key);
    if (plan) return plan;
    const sources = present.slice(0, this.k);
    const inverse = invertMatrix(this.generatorRows(sources), this.k);
    const rows = lost.map((shard) => multiplyMatrices(this.generatorRows([shard]), inverse, 1, this.k, this.k));
    plan = { sources, rows };
    this.decodePlans.set(key, plan);
    return plan;
  }
}
