/**
 * The paper's four value-size settings (DESIGN section 11) as YCSB core-workload properties,
 * and how many records each profile loads.
 */
import { loadRecords, loadShortfall, type LoadRequest } from "../loader.ts";
import type { Profile } from "../types.ts";

export type ValueSizeId = "1k" | "4k" | "16k" | "zipf";

export interface ValueSize {
  id: ValueSizeId;
  /** The label in tables and figures. */
  label: string;
  /** YCSB properties of the load phase: one field per record, so a record's value is that field. */
  properties: Record<string, string>;
  /** Records loaded per profile: --fast ~150 MB of values (RSS growth well above start-up noise), --paper ~13x. */
  records: Record<Profile, number>;
}

const oneField = { fieldcount: "1", insertorder: "hashed" };

export const valueSizes: readonly ValueSize[] = [
  {
    id: "1k",
    label: "1 KB",
    properties: { ...oneField, fieldlength: "1024", fieldlengthdistribution: "constant" },
    records: { fast: 150_000, paper: 2_000_000 },
  },
  {
    id: "4k",
    label: "4 KB",
    properties: { ...oneField, fieldlength: "4096", fieldlengthdistribution: "constant" },
    records: { fast: 40_000, paper: 500_000 },
  },
  {
    id: "16k",
    label: "16 KB",
    properties: { ...oneField, fieldlength: "16384", fieldlengthdistribution: "constant" },
    records: { fast: 10_000, paper: 125_000 },
  },
  {
    // YCSB's zipfian field length is ZipfianGenerator(minfieldlength, fieldlength): mostly short values.
    id: "zipf",
    label: "Zipf 10 B–1 KB",
    properties: { ...oneField, minfieldlength: "10", fieldlength: "1024", fieldlengthdistribution: "zipfian" },
    records: { fast: 400_000, paper: 4_000_000 },
  },
];

/** The ids --sizes may name, in the order experiments measure them. */
export const valueSizeIds: readonly ValueSizeId[] = valueSizes.map((size) => size.id);

/** The settings --sizes picked (ids already validated against valueSizeIds), in the usual order; all when absent. */
export function chosenSizes(ids: readonly string[] | undefined): ValueSize[] {
  return valueSizes.filter((size) => ids === undefined || ids.includes(size.id));
}

export function valueSizeById(id: string): ValueSize {
  const found = valueSizes.find((size) => size.id === id);
  if (!found) throw new Error(`unknown value size ${JSON.stringify(id)}; expected one of ${valueSizes.map((s) => s.id).join(", ")}`);
  return found;
}

/**
 * Per-process memory reservation (MB) that holds `valueBytes` spread over `processes` with room to
 * spare. At least 1 GiB: a reservation is not touched up front (ours: ArrayBuffers; memcached: slabs
 * on demand), and allocators that hand out a page per size class need room for many classes.
 */
export function memoryPerProcessMb(valueBytes: number, processes: number): number {
  return Math.max(1024, Math.ceil(((valueBytes / processes) * 2) / 2 ** 20) + 64);
}

/**
 * How long RSS is left to settle before it is read: when nothing was loaded (idle RSS), and after
 * the servers' idle collections are over (harness/experiments/settle.ts) when something was. RSS
 * goes on falling for a second or two after a collection (dead buffers outside V8's heap go with
 * the next young-generation collections): read after 1 s instead of 2 s, RSS before the load was
 * ~1.2 MB a process higher and plain's 1 KB figure 0.95 instead of 1.04.
 */
export const SETTLE_MS: Record<Profile, number> = { fast: 2000, paper: 3000 };

/**
 * Warm-up requests per value-holding process: enough for V8 to have compiled the request path. With
 * 2000 (256 at 16 KB), V8's code and old spaces each grew by a page (256 KB) in every cocytus data
 * process during a paper-scale 16 KB load, as TurboFan went on compiling the request path.
 */
const WARMUP_REQUESTS_PER_PROCESS = 10_000;
/** ... of which at most this many value bytes per process of the measured size (16 KB values: 256 requests). */
const WARMUP_BYTES_PER_PROCESS = 4 * 2 ** 20;

/** One load of a warm-up: `records` records from `firstRecord` (counted after the measured records). */
export interface WarmupPhase {
  records: number;
  firstRecord: number;
  properties: Record<string, string>;
}

/** A warm-up: its loads in order, and their records in all. */
export interface Warmup {
  records: number;
  phases: WarmupPhase[];
}

/**
 * The warm-up load before "RSS before loading": WARMUP_REQUESTS_PER_PROCESS requests for each of
 * `processes` value-holding processes, never more than half the measured records, none for tiny
 * test loads. 1 KB and Zipf (whose rarest size is 1 KB): 1 KB values. 4 KB and 16 KB: values of
 * the measured size up to 4 MiB a process, then 1 KB values.
 */
export function warmupFor(size: ValueSize, records: number, processes: number): Warmup {
  if (records < 5000) return { records: 0, phases: [] };
  const oneK = valueSizeById("1k").properties;
  const total = Math.min(Math.floor(records / 2), WARMUP_REQUESTS_PER_PROCESS * processes);
  if (size.id === "1k" || size.id === "zipf") return { records: total, phases: [{ records: total, firstRecord: 0, properties: oneK }] };
  const own = Math.min(total, Math.floor(WARMUP_BYTES_PER_PROCESS / Number(size.properties.fieldlength)) * processes);
  const phases = [{ records: own, firstRecord: 0, properties: size.properties }];
  if (total > own) phases.push({ records: total - own, firstRecord: own, properties: oneK });
  return { records: total, phases };
}

/**
 * Loads a warm-up (from warmupFor) into a system: record numbers after the `measuredRecords`
 * the measured load uses, seeds from the run's seed + 1, each phase bounded to 2 minutes. Its
 * value bytes; throws when a load fell short (the message starts with `what`, when given).
 */
export async function loadWarmup(
  warmup: Warmup,
  target: Pick<LoadRequest, "processTable" | "endpoints" | "routing">,
  measuredRecords: number,
  seed: number,
  signal: AbortSignal,
  what?: string,
): Promise<number> {
  let valueBytes = 0;
  for (const [index, phase] of warmup.phases.entries()) {
    const insertStart = measuredRecords + phase.firstRecord;
    const warm = await loadRecords({ ...target, properties: phase.properties, records: phase.records, insertStart, seed: seed + 1 + index, signal, timeLimitSeconds: 120 });
    const shortfall = loadShortfall({ records: phase.records }, warm);
    if (shortfall) throw new Error(`${what ? `${what}: ` : ""}warm-up load: ${shortfall}`);
    valueBytes += warm.report.valueBytes;
  }
  return valueBytes;
}
