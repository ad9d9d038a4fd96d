/**
 * The reference numbers fig-memory is compared with, each with its source. The paper's own
 * figures come from its abstract and a secondary summary (DESIGN section 11 and its caveat);
 * the per-byte table was measured on this machine by the design's authors (DESIGN section 12).
 */
import type { ValueSizeId } from "./value-sizes.ts";

export const sources = {
  abstract: "paper abstract (FAST'16)",
  slides: "FAST'16 slides",
  design11: "DESIGN §11 (paper, via secondary summary)",
  design12: "DESIGN §12 (measured on this machine)",
} as const;

/** Claims of the paper about memory, as fractions. */
export const paperClaims = {
  savingsVsPbr: { low: 0.33, high: 0.46, source: sources.abstract },
  savingsVsPbrAt16k: { value: 0.46, source: sources.design11 },
  savingsVsPbrZipf: { value: 0.2, source: sources.design11 },
  overheadOverRawData: { low: 1.7, high: 2.0, source: sources.design11 },
  idealOverhead: { value: 5 / 3, source: sources.design11 },
  pbrStorageEfficiency: { value: 0.33, source: sources.slides },
  /** Metadata + keys as a share of Cocytus memory. */
  metadataShare: { values: { "1k": 0.25, "4k": 0.095, "16k": 0.04 } as Partial<Record<ValueSizeId, number>>, source: sources.design11 },
} as const;

export interface ReferenceRow {
  /** Which of our systems the row is a reference for. */
  system: string;
  label: string;
  kind: "reference" | "target";
  values: Record<ValueSizeId, number>;
  source: string;
}

/** DESIGN section 12: RSS growth per value byte after loading, keys `user<fnv>`. */
export const perByteReferences: readonly ReferenceRow[] = [
  { system: "memcached", label: "memcached 1.6.18, one process", kind: "reference", values: { "1k": 1.18, "4k": 1.13, "16k": 1.075, zipf: 1.89 }, source: sources.design12 },
  { system: "pbr", label: "PBR made of memcached (3×)", kind: "reference", values: { "1k": 3.55, "4k": 3.38, "16k": 3.22, zipf: 5.67 }, source: sources.design12 },
  { system: "cocytus", label: "the original Cocytus (C, RS(3,2), 25 processes)", kind: "reference", values: { "1k": 2.56, "4k": 1.93, "16k": 1.79, zipf: 7.0 }, source: sources.design12 },
  { system: "cocytus", label: "ideal Cocytus (5/3 per value byte + 3 × (key + ~20 B))", kind: "reference", values: { "1k": 1.8, "4k": 1.7, "16k": 1.68, zipf: 2.5 }, source: sources.design12 },
  { system: "cocytus", label: "target for our cocytus", kind: "target", values: { "1k": 1.85, "4k": 1.72, "16k": 1.69, zipf: 2.7 }, source: sources.design12 },
  { system: "plain", label: "target for our plain", kind: "target", values: { "1k": 1.1, "4k": 1.05, "16k": 1.02, zipf: 1.6 }, source: sources.design12 },
];

export function referenceFor(system: string, kind: ReferenceRow["kind"], label?: string): ReferenceRow | undefined {
  return perByteReferences.find((row) => row.system === system && row.kind === kind && (label === undefined || row.label.startsWith(label)));
}
