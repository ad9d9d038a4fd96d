/** summary.md of a fig-memory run: our numbers beside the paper's (each with its source) and the ratios that matter. */
import { fixed, markdownTable, percent } from "../../report/markdown.ts";
import type { Machine } from "../environment.ts";
import { checkTableCells, type CheckResult } from "./regression.ts";
import { savingsVsPbr, systemOrder } from "./figure-data.ts";
import { rssBreakdown, type MemoryMeasurement } from "./measurement.ts";
import { paperClaims, perByteReferences, sources } from "./paper.ts";
import { valueSizes, type ValueSizeId } from "./value-sizes.ts";

export interface SummaryInput {
  measurements: MemoryMeasurement[];
  /** Systems that could not be measured, with the reason. */
  unavailable: { system: string; reason: string }[];
  header: string[];
  check?: CheckResult;
  /** The harness's machine (on the local cluster, the servers' too). */
  machine?: Pick<Machine, "cores" | "kernel" | "transparentHugePages">;
}

function find(measurements: MemoryMeasurement[], system: string, size: ValueSizeId): MemoryMeasurement | undefined {
  return measurements.find((m) => m.system === system && m.size === size);
}

function perSizeRow(label: string, value: (size: ValueSizeId) => string, extra: string[] = []): string[] {
  return [label, ...valueSizes.map((size) => value(size.id)), ...extra];
}

export function memorySummary(input: SummaryInput): string {
  const { measurements } = input;
  const systems = systemOrder.filter((s) => measurements.some((m) => m.system === s));
  const sizeHeaders = valueSizes.map((s) => s.label);
  const out: string[] = ["# fig-memory: memory after loading, per value byte", "", ...input.header, ""];
  if (input.machine?.transparentHugePages === "always") {
    out.push(
      "**Warning: transparent huge pages are `always` on this machine.** RSS then grows by 2 MB pages wherever a large mapping is touched, and these figures are not comparable with the paper's or the baseline (`echo madvise > /sys/kernel/mm/transparent_hugepage/enabled` as root).",
      "",
    );
  }

  out.push("## RSS growth per value byte (the contract: Σ RSS growth of every process / value bytes the client loaded)", "");
  const rows = systems.map((system) => perSizeRow(system === "memcached" ? "memcached (native, 15 processes)" : `${system} (ours)`, (size) => fixed(find(measurements, system, size)?.bytesPerValueByte, 3), [`this run`]));
  for (const ref of perByteReferences.filter((r) => systems.includes(r.system))) {
    rows.push(perSizeRow(ref.label, (size) => String(ref.values[size]), [ref.source]));
  }
  out.push(markdownTable(["system", ...sizeHeaders, "source"], rows), "");

  const withStats = systems.filter((system) => measurements.some((m) => m.system === system && m.stats));
  if (withStats.length > 0) {
    out.push("## From the servers' stats (per value byte): data area + parity | metadata + replicas + keys | total", "");
    const statRows = withStats.map((system) =>
      perSizeRow(system, (size) => {
        const m = find(measurements, system, size);
        return m?.stats ? `${fixed(m.dataPerValueByte, 3)} + ${fixed(m.metadataPerValueByte, 3)} = ${fixed(m.statsBytesPerValueByte, 3)}` : "–";
      }),
    );
    out.push(markdownTable(["system", ...sizeHeaders], statRows), "");
    const perItem = withStats.map((system) =>
      perSizeRow(system, (size) => {
        const m = find(measurements, system, size);
        return m?.stats && m.load.records > 0 ? fixed((m.stats.metadata_bytes + m.stats.metadata_replica_bytes + m.stats.key_bytes) / m.load.records, 1) : "–";
      }),
    );
    // Keys included: a process's metadata is its index footprint minus its keys, and record slabs
    // are reserved 64 KiB at a time, so with few items per process the split alone can shrink.
    out.push("Metadata bytes per loaded item, every copy's key included (metadata + replicas + keys, all processes):", "", markdownTable(["system", ...sizeHeaders], perItem), "");
  }

  out.push("## Ratios that matter", "");
  const ratioRows: string[][] = [];
  const savings = savingsVsPbr(measurements);
  if (savings.size > 0) {
    ratioRows.push(
      perSizeRow("Cocytus memory saved vs PBR (1 − cocytus/pbr)", (size) => percent(savings.get(size)), [
        `33–46 % (${paperClaims.savingsVsPbr.source}); 46 % at 16 KB, ~20 % Zipf (${paperClaims.savingsVsPbrAt16k.source})`,
      ]),
    );
  }
  if (systems.includes("cocytus")) {
    ratioRows.push(
      perSizeRow("Cocytus memory / raw value bytes", (size) => fixed(find(measurements, "cocytus", size)?.bytesPerValueByte, 2), [
        `1.7–2× (${paperClaims.overheadOverRawData.source}); ideal 5/3 = 1.67×`,
      ]),
    );
    ratioRows.push(
      perSizeRow("Cocytus metadata + keys / Cocytus memory (stats)", (size) => {
        const m = find(measurements, "cocytus", size);
        return m?.stats && m.statsBytesPerValueByte ? percent((m.metadataPerValueByte ?? 0) / m.statsBytesPerValueByte, 1) : "–";
      }, [`25 % / 9.5 % / 4 % at 1 / 4 / 16 KB (${paperClaims.metadataShare.source})`]),
    );
    ratioRows.push(
      perSizeRow("Cocytus non-data share of RSS growth (1 − (data+parity)/RSS)", (size) => {
        const m = find(measurements, "cocytus", size);
        return m?.dataPerValueByte !== undefined ? percent(1 - m.dataPerValueByte / m.bytesPerValueByte, 1) : "–";
      }, ["same paper figure, measured with RSS"]),
    );
  }
  if (systems.includes("plain") && systems.includes("pbr")) {
    ratioRows.push(perSizeRow("PBR / plain", (size) => ratio(measurements, "pbr", "plain", size), ["3× ideal (3 copies)"]));
  }
  if (systems.includes("plain") && systems.includes("memcached")) {
    ratioRows.push(perSizeRow("plain (ours) / native memcached", (size) => ratio(measurements, "plain", "memcached", size), ["≤ 1 (issue target: ours at most native's)"]));
  }
  if (systems.includes("plain")) {
    const target = perByteReferences.find((r) => r.system === "plain" && r.kind === "target");
    if (target) ratioRows.push(perSizeRow("plain vs its target", (size) => verdict(find(measurements, "plain", size)?.bytesPerValueByte, target.values[size]), [`targets ${Object.values(target.values).join(" / ")} (${sources.design12})`]));
  }
  if (systems.includes("cocytus")) {
    const target = perByteReferences.find((r) => r.system === "cocytus" && r.kind === "target");
    if (target) ratioRows.push(perSizeRow("cocytus vs its target", (size) => verdict(find(measurements, "cocytus", size)?.bytesPerValueByte, target.values[size]), [`targets ${Object.values(target.values).join(" / ")} (${sources.design12})`]));
  }
  out.push(ratioRows.length > 0 ? markdownTable(["ratio", ...sizeHeaders, "paper / target"], ratioRows) : "(needs at least two systems measured)", "");

  out.push("## Loads", "");
  out.push(
    "RSS before loading is read after a warm-up load of other keys (10 000 requests per value-holding process, at most half the measured records, not counted:",
    "up to 4 MiB of values of the measured size, then 1 KB values), so a Node process's start-up growth (its JIT-compiled request path above all)",
    "is not charged per value byte; \"cold\" counts from idle instead (warm-up values included).",
    "Zipf warms up with 1 KB values: the first slab page of each smaller size class stays part of what that setting measures.",
    "",
  );
  out.push(
    markdownTable(
      ["system", "size", "records", "value MB", "load s", "processes", "warm-up records", "start-up growth MB", "RSS before MB", "RSS growth MB", "cold per value byte"],
      measurements.map((m) => [
        m.system,
        m.size,
        m.load.records,
        fixed(m.load.valueBytes / 2 ** 20, 1),
        fixed(m.load.seconds, 1),
        m.processes.length,
        m.warmup?.records ?? 0,
        fixed((m.warmup?.startupGrowthBytes ?? 0) / 2 ** 20, 1),
        fixed(m.rssBeforeBytes / 2 ** 20, 1),
        fixed(m.rssGrowthBytes / 2 ** 20, 1),
        fixed((m.rssGrowthBytes + (m.warmup?.startupGrowthBytes ?? 0)) / (m.load.valueBytes + (m.warmup?.valueBytes ?? 0)), 3),
      ]),
    ),
    "",
  );

  const ours = measurements.filter((m) => m.stats !== undefined);
  if (ours.length > 0) {
    out.push("## Where the RSS went", "");
    out.push("Per role: the store's own account (data area, parity, metadata, replicas, keys), V8's heap (`heap_total`), and the rest (malloc's heap, code).", "");
    for (const m of ours) out.push(`- ${rssBreakdown(m)}`);
    out.push("");
  }

  if (input.unavailable.length > 0) {
    out.push("## Not measured", "");
    for (const u of input.unavailable) out.push(`- **${u.system}**: ${u.reason}`);
    out.push("");
  }
  if (input.check) {
    out.push("## --check against results/baseline/memory.csv", "");
    const { header, rows } = checkTableCells(input.check);
    out.push(markdownTable(header, rows), "");
  }
  const where = input.machine
    ? ` This run's machine: ${input.machine.cores} cores, kernel ${input.machine.kernel}, transparent huge pages ${input.machine.transparentHugePages}.`
    : "";
  out.push(`Paper numbers: the abstract and slides of Cocytus (FAST'16) and a secondary summary, as collected in DESIGN §11; per-byte references were measured on the development machine (2 cores, DESIGN §12).${where}`, "");
  return out.join("\n");
}

function ratio(measurements: MemoryMeasurement[], a: string, b: string, size: ValueSizeId): string {
  const x = find(measurements, a, size);
  const y = find(measurements, b, size);
  return x && y ? fixed(x.bytesPerValueByte / y.bytesPerValueByte, 2) : "–";
}

function verdict(measured: number | undefined, target: number): string {
  if (measured === undefined) return "–";
  return `${fixed(measured, 3)} ${measured <= target ? "≤" : ">"} ${target} ${measured <= target ? "✓" : "✗"}`;
}
