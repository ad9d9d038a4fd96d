/**
 * The data sets notebooks/fig-memory.vl.json is bound to: bars (Cocytus split into coded data and
 * metadata), reference ticks from DESIGN section 12, and the savings of Cocytus over PBR beside the paper's.
 */
import type { Datasets } from "../../report/render.ts";
import type { MemoryMeasurement } from "./measurement.ts";
import { paperClaims, perByteReferences } from "./paper.ts";
import { valueSizeById, valueSizes, type ValueSizeId } from "./value-sizes.ts";

export const systemOrder = ["plain", "pbr", "cocytus", "memcached"];

/** Bar segments' names (the colour legend). */
export const parts = {
  plain: "plain (ours)",
  pbr: "pbr (ours)",
  cocytusData: "cocytus: data + parity",
  cocytusMetadata: "cocytus: metadata, keys, rest",
  memcached: "memcached 1.6 (native)",
} as const;

/** Cocytus memory saved over PBR at each size: 1 − cocytus / pbr. */
export function savingsVsPbr(measurements: MemoryMeasurement[]): Map<ValueSizeId, number> {
  const savings = new Map<ValueSizeId, number>();
  for (const size of valueSizes) {
    const cocytus = measurements.find((m) => m.system === "cocytus" && m.size === size.id);
    const pbr = measurements.find((m) => m.system === "pbr" && m.size === size.id);
    if (cocytus && pbr) savings.set(size.id, 1 - cocytus.bytesPerValueByte / pbr.bytesPerValueByte);
  }
  return savings;
}

/** Builds the figure's data sets from the median measurement of each (system, size). */
export function memoryFigureData(measurements: MemoryMeasurement[]): Datasets {
  const memory: Record<string, unknown>[] = [];
  for (const m of measurements) {
    const size = valueSizeById(m.size).label;
    const base = { size, system: m.system, total: round(m.bytesPerValueByte) };
    if (m.system === "cocytus" && m.dataPerValueByte !== undefined) {
      // The coded values come from stats; everything else RSS grew by is metadata, keys and runtime.
      const data = Math.min(m.dataPerValueByte, m.bytesPerValueByte);
      memory.push({ ...base, part: parts.cocytusData, partOrder: 0, value: round(data) });
      memory.push({ ...base, part: parts.cocytusMetadata, partOrder: 1, value: round(m.bytesPerValueByte - data) });
    } else {
      const part = m.system === "cocytus" ? parts.cocytusData : parts[m.system as "plain" | "pbr" | "memcached"] ?? m.system;
      memory.push({ ...base, part, partOrder: 0, value: round(m.bytesPerValueByte) });
    }
  }
  const measured = new Set(measurements.map((m) => `${m.system}/${m.size}`));
  const reference = perByteReferences.flatMap((row) =>
    valueSizes
      .filter((size) => measured.has(`${row.system}/${size.id}`))
      .map((size) => ({ size: size.label, system: row.system, value: row.values[size.id], label: row.label, kind: row.kind, source: row.source })),
  );
  const savings: Record<string, unknown>[] = [];
  const ours = savingsVsPbr(measurements);
  for (const [id, value] of ours) savings.push({ size: valueSizeById(id).label, source: "ours", value: round(value, 3) });
  // The paper's points only beside ours: without pbr and cocytus the panel shows just the paper's range.
  const measuredSizes = new Set(ours.keys());
  if (measuredSizes.has("16k")) savings.push({ size: valueSizeById("16k").label, source: "paper", value: paperClaims.savingsVsPbrAt16k.value, note: paperClaims.savingsVsPbrAt16k.source });
  if (measuredSizes.has("zipf")) savings.push({ size: valueSizeById("zipf").label, source: "paper", value: paperClaims.savingsVsPbrZipf.value, note: paperClaims.savingsVsPbrZipf.source });
  const paperRange = [{ low: paperClaims.savingsVsPbr.low, high: paperClaims.savingsVsPbr.high, note: `${paperClaims.savingsVsPbr.source}: 33–46 %` }];
  return { memory, reference, savings, paperRange };
}

function round(value: number, decimals = 4): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
