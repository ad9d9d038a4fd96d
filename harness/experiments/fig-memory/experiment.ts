/**
 * fig-memory: for each system and value-size setting, deploy, read every process's RSS idle,
 * load N seeded records with ycsb-ts, read RSS and `stats` again, tear down. Memory per value
 * byte = Σ RSS growth / value bytes loaded (DESIGN section 11, contract).
 */
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { writeFigure } from "../../report/render.ts";
import { sleepUnlessAborted, throwIfAborted } from "../cleanup.ts";
import { COLLECTION_TIMEOUT_MS, settleIdleCollections } from "../settle.ts";
import { throwIfLostMembers, TOLERANT_FAILURE_DETECTION } from "../cluster-health.ts";
import { gitState, machine, nativeMemcachedVersion } from "../environment.ts";
import { checkedLoad } from "../loader.ts";
import { formatDuration, Progress } from "../progress.ts";
import { bringUp, type SystemName, type SystemUnderTest } from "../systems-under-test.ts";
import type { ExperimentConfig, ExperimentContext, ExperimentDefinition, ExperimentOutcome } from "../types.ts";
import { memoryFigureData } from "./figure-data.ts";
import { medians, rssBreakdown, summarizeMemory, type MemoryMeasurement, type ProcessMemory } from "./measurement.ts";
import { appendRuns, checkTable, compareWithBaseline, readBaseline, regressionText, saveBaseline, type CheckResult, type RunIdentity, type Tolerances } from "./regression.ts";
import { memorySummary } from "./summary.ts";
import { chosenSizes, loadWarmup, memoryPerProcessMb, SETTLE_MS, valueSizeById, valueSizeIds, warmupFor, type ValueSize } from "./value-sizes.ts";

const allSystems: SystemName[] = ["plain", "pbr", "cocytus", "memcached"];

/** Processes a system spreads its keys' values over (15 everywhere: plain processes, pbr groups, cocytus data processes). */
const valueHolders = 15;

export const figMemory: ExperimentDefinition = {
  name: "fig-memory",
  what: "RSS growth per value byte after loading 1 KB, 4 KB, 16 KB and Zipf 10 B–1 KB values into plain, pbr, cocytus (and native memcached ×15); Cocytus split into data and metadata; runs.csv and --check against results/baseline/memory.csv",
  fastTime: "~14 min for all four systems, 8 min for plain, pbr and cocytus, measured on this 2-core machine when quiet (more under load); ~150 MB of values per system and fixed size, 55 MB for Zipf",
  paperTime: "~1-1.5 h estimated for all four systems; cocytus alone measured 16 min here (~2 GB of values per fixed size, 550 MB for Zipf; pbr needs ~7 GB RAM)",
  resources: "one deployment at a time: 15 (plain, memcached), 45 (pbr) or 25 (cocytus) processes on the cluster; RAM ~3.5× the values loaded",
  systems: allSystems,
  sizes: valueSizeIds,
  run: runFigMemory,
};

/** Thrown when a system cannot be brought up: the rest of its sizes are skipped, other systems go on. */
class BringUpError extends Error {}

async function plannedSystems(requested: string[] | undefined): Promise<{ systems: SystemName[]; skipped: { system: string; reason: string }[] }> {
  if (requested) return { systems: requested as SystemName[], skipped: [] };
  const memcached = await nativeMemcachedVersion();
  if (memcached) return { systems: allSystems, skipped: [] };
  return { systems: allSystems.filter((s) => s !== "memcached"), skipped: [{ system: "memcached", reason: "native memcached is not installed (optional fourth bar)" }] };
}

async function runFigMemory(context: ExperimentContext): Promise<ExperimentOutcome> {
  const { config, folder } = context;
  const { systems, skipped } = await plannedSystems(config.systems);
  const valueSizes = chosenSizes(config.sizes);
  const recordsFor = (size: ValueSize) => config.records ?? size.records[config.profile];
  const steps = config.repeat * systems.length * valueSizes.length;
  const totalWeight = config.repeat * systems.length * valueSizes.reduce((sum, size) => sum + recordsFor(size), 0);
  const progress = new Progress("fig-memory", steps, totalWeight);
  const all: MemoryMeasurement[] = [];
  const unavailable = [...skipped];
  const failures: string[] = [];

  for (let repeat = 0; repeat < config.repeat; repeat++) {
    for (const system of systems) {
      if (unavailable.some((u) => u.system === system)) continue;
      for (const size of valueSizes) {
        throwIfAborted(context.signal);
        const records = recordsFor(size);
        progress.step(`${system} · ${size.label}${config.repeat > 1 ? ` · repeat ${repeat + 1}/${config.repeat}` : ""}`, records);
        try {
          const measurement = await measureOne(context, progress, system, size, records, repeat);
          all.push(measurement);
          progress.log(`${system} ${size.label}: ${measurement.bytesPerValueByte.toFixed(3)} bytes of RSS per value byte (${(measurement.load.valueBytes / 2 ** 20).toFixed(1)} MB of values in ${measurement.load.seconds.toFixed(0)} s)`);
        } catch (error) {
          throwIfAborted(context.signal);
          const message = (error as Error).message;
          if (error instanceof BringUpError) {
            unavailable.push({ system, reason: `could not be brought up: ${message}` });
            failures.push(`fig-memory: ${system}: could not be brought up: ${message}`);
            progress.log(`${system}: not measured: ${message}`);
            break;
          }
          failures.push(`fig-memory: ${system} ${size.label}: ${message}`);
          progress.log(`${system} ${size.label}: FAILED: ${message}`);
        }
      }
    }
  }
  if (config.check && all.length > 0) await confirmRegressions(context, progress, all, recordsFor);
  progress.done();

  const chosen = medians(all);
  await folder.writeCsv("memory.csv", memoryCsvRows(chosen), memoryCsvColumns);
  await folder.writeCsv("memory-repeats.csv", memoryCsvRows(all), memoryCsvColumns);
  const figure = await writeFigure(folder.path, "fig-memory", memoryFigureData(chosen));
  if (!figure.ok) progress.log(`figure not rendered (data kept in ${folder.path}): ${figure.error}`);

  let check: CheckResult | undefined;
  const git = await gitState();
  const identity: RunIdentity = {
    commit: git.commit,
    dirty: git.dirty,
    date: new Date().toISOString(),
    profile: config.profile,
    cluster: config.cluster,
    repeats: config.repeat,
    run: relative(config.out, folder.path),
  };
  if (chosen.length > 0) {
    await appendRuns(join(config.out, "runs.csv"), chosen, identity);
    if (config.check) {
      const limits = tolerances(config);
      check = compareWithBaseline(chosen, await readBaseline(baselinePath(config.out)), config.profile, limits);
      process.stdout.write(checkTable(check, limits) + "\n");
      if (!check.ok) {
        const breakdowns = check.regressions.flatMap((r) => chosen.filter((m) => m.system === r.system && m.size === r.size).map(rssBreakdown));
        failures.push(`fig-memory --check: worse than the baseline: ${check.regressions.map((r) => regressionText(r, limits)).join(", ")}\n  ${breakdowns.join("\n  ")}`);
      }
    }
    if (config.saveBaseline) {
      await mkdir(join(config.out, "baseline"), { recursive: true });
      await saveBaseline(baselinePath(config.out), chosen, identity);
      progress.log(`baseline written to ${baselinePath(config.out)}`);
    }
  } else if (config.check) {
    failures.push("fig-memory --check: nothing was measured, nothing to compare");
  }

  const header = [
    `Run ${folder.id}: profile --${config.profile}, cluster ${config.cluster}, seed ${config.seed}, ${config.repeat} repeat(s) (median shown), commit ${git.commit.slice(0, 12)}${git.dirty ? " (dirty)" : ""}.`,
    `Records per setting: ${valueSizes.map((s) => `${s.label} ${recordsFor(s)}`).join(", ")}.`,
  ];
  const summary = memorySummary({ measurements: chosen, unavailable, header, check, machine: machine() });
  await folder.writeText("summary.md", summary);
  process.stdout.write(summary + "\n");
  return { ok: failures.length === 0, failures };
}

/** Extra measurements of a figure that --check found worse than the baseline. */
export const CONFIRMATIONS = 2;

/**
 * --check: a figure more than the tolerance (2 % by default) worse than the baseline is measured
 * CONFIRMATIONS more times and only the median counts, so a single noisy RSS reading (single
 * --fast figures move up to ±3 % between runs here) does not fail the check, while a real
 * regression still does.
 */
async function confirmRegressions(context: ExperimentContext, progress: Progress, all: MemoryMeasurement[], recordsFor: (size: ValueSize) => number): Promise<void> {
  const { config } = context;
  const limits = tolerances(config);
  const first = compareWithBaseline(medians(all), await readBaseline(baselinePath(config.out)), config.profile, limits);
  progress.addSteps(first.regressions.length * CONFIRMATIONS, first.regressions.reduce((sum, row) => sum + CONFIRMATIONS * recordsFor(valueSizeById(row.size)), 0));
  for (const row of first.regressions) {
    const size = valueSizeById(row.size);
    for (let confirmation = 1; confirmation <= CONFIRMATIONS; confirmation++) {
      throwIfAborted(context.signal);
      const records = recordsFor(size);
      progress.step(`${regressionText(row, limits)} worse than the baseline: confirming (${confirmation}/${CONFIRMATIONS})`, records);
      const measurement = await measureOne(context, progress, row.system as SystemName, size, records, config.repeat - 1 + confirmation);
      all.push(measurement);
      progress.log(`${row.system} ${size.label}: ${measurement.bytesPerValueByte.toFixed(3)} bytes of RSS per value byte (confirmation ${confirmation}/${CONFIRMATIONS})`);
    }
  }
}

function tolerances(config: ExperimentConfig): Tolerances {
  return { stats: config.tolerance, rss: config.rssTolerance ?? config.tolerance };
}

/** Where --check reads and --save-baseline writes. */
export function baselinePath(out: string): string {
  return join(out, "baseline", "memory.csv");
}

const memoryCsvColumns = [
  "system", "size", "repeat", "records", "value_bytes", "processes", "rss_before_bytes", "rss_growth_bytes", "bytes_per_value_byte",
  "stats_bytes_per_value_byte", "data_per_value_byte", "metadata_per_value_byte", "data_area_bytes", "parity_bytes", "metadata_bytes", "metadata_replica_bytes", "key_bytes", "curr_items", "load_seconds",
];

function memoryCsvRows(measurements: MemoryMeasurement[]) {
  return measurements.map((m) => ({
    system: m.system,
    size: m.size,
    repeat: m.repeat,
    records: m.load.records,
    value_bytes: m.load.valueBytes,
    processes: m.processes.length,
    rss_before_bytes: m.rssBeforeBytes,
    rss_growth_bytes: m.rssGrowthBytes,
    bytes_per_value_byte: m.bytesPerValueByte.toFixed(4),
    stats_bytes_per_value_byte: m.statsBytesPerValueByte?.toFixed(4) ?? "",
    data_per_value_byte: m.dataPerValueByte?.toFixed(4) ?? "",
    metadata_per_value_byte: m.metadataPerValueByte?.toFixed(4) ?? "",
    data_area_bytes: m.stats?.data_area_bytes ?? "",
    parity_bytes: m.stats?.parity_bytes ?? "",
    metadata_bytes: m.stats?.metadata_bytes ?? "",
    metadata_replica_bytes: m.stats?.metadata_replica_bytes ?? "",
    key_bytes: m.stats?.key_bytes ?? "",
    curr_items: m.stats?.curr_items ?? "",
    load_seconds: m.load.seconds.toFixed(2),
  }));
}

/** One (system, size): deploy, idle RSS, load, RSS and stats again, teardown. */
async function measureOne(context: ExperimentContext, progress: Progress, system: SystemName, size: ValueSize, records: number, repeat: number): Promise<MemoryMeasurement> {
  const { config, cleanup, folder, signal } = context;
  const settleMs = SETTLE_MS[config.profile];
  const upperBoundValueBytes = records * Number(size.properties.fieldlength);
  const rawName = `${system}-${size.id}${config.repeat > 1 || repeat > 0 ? `-r${repeat + 1}` : ""}`;
  progress.phase("deploying");
  const pending = bringUp(system, {
    cluster: config.cluster,
    memoryMb: memoryPerProcessMb(upperBoundValueBytes, valueHolders),
    statePath: folder.file(`raw/${rawName}-deployment.json`),
    signal,
    serverArgs: [...TOLERANT_FAILURE_DETECTION],
  });
  // Registered before it resolves, so that Ctrl-C during deployment also waits for the teardown.
  const tearDown = cleanup.add(`${system} deployment`, async () => (await pending.catch(() => undefined))?.teardown());
  let sut: SystemUnderTest;
  try {
    sut = await pending;
  } catch (error) {
    await tearDown();
    throw new BringUpError((error as Error).message);
  }
  try {
    progress.phase("idle RSS");
    await sleepUnlessAborted(settleMs, signal);
    const rssIdle = await sut.readRss();
    // Warm-up: a load of other keys, so that start-up growth (JIT-compiled request paths, malloc's
    // arenas, heap sizing: ~5 MB a Node process, whatever is stored) is not charged per value byte.
    // It takes 10 000 requests a process (value-sizes.ts: warmupFor); at --fast scale it would
    // otherwise outweigh the values. The cold figure stays in the summary. Zipf warms up with 1 KB
    // values, the rarest of its sizes: the first slab page of each small size class stays part of
    // what the setting measures.
    const warmup = warmupFor(size, records, valueHolders);
    let warmupValueBytes = 0;
    const unsettled = new Set<string>();
    const settle = async () => {
      for (const id of await settleIdleCollections(() => sut.readStats(), { afterMs: settleMs, signal })) unsettled.add(id);
    };
    if (warmup.records > 0) {
      progress.phase("warm-up");
      warmupValueBytes = await loadWarmup(warmup, { processTable: sut.processes, routing: sut.routing }, records, config.seed, signal);
      progress.phase("warm-up done; waiting for the idle collections");
      await settle();
    }
    const rssBefore = await sut.readRss();
    const statsBefore = await sut.readStats();

    progress.phase("loading", 0);
    const started = Date.now();
    const loaded = await checkedLoad(
      {
        processTable: sut.processes,
        routing: sut.routing,
        properties: size.properties,
        records,
        seed: config.seed,
        signal,
        onProgress: (fraction) => progress.phase("loading", fraction),
        timeLimitSeconds: Math.max(120, records / 500),
      },
      folder,
      rawName,
    );
    progress.phase(`loaded in ${formatDuration(Date.now() - started)}; waiting for the idle collections`);
    await settle();
    progress.phase("RSS and stats after loading");
    const rssAfter = await sut.readRss();
    const statsAfter = await sut.readStats();
    const processes: ProcessMemory[] = sut.processes.map((p) => ({
      id: p.id,
      role: p.role,
      node: p.node,
      host: p.host,
      port: p.port,
      pid: p.pid,
      rssBefore: rssBefore.get(p.id) ?? 0,
      rssAfter: rssAfter.get(p.id) ?? 0,
      statsBefore: statsBefore.get(p.id) ?? {},
      statsAfter: statsAfter.get(p.id) ?? {},
    }));
    const measurement = summarizeMemory(system, size.id, repeat, loaded.report, processes);
    const rssIdleBytes = [...rssIdle.values()].reduce((sum, bytes) => sum + bytes, 0);
    measurement.warmup = { records: warmup.records, valueBytes: warmupValueBytes, rssIdleBytes, startupGrowthBytes: measurement.rssBeforeBytes - rssIdleBytes };
    if (unsettled.size > 0) {
      measurement.unsettled = [...unsettled];
      progress.log(`warning: ${system} ${size.id}: RSS read while an idle collection was still pending on ${measurement.unsettled.join(", ")} (after ${COLLECTION_TIMEOUT_MS / 1000} s); the figure may hold load garbage`);
    }
    await folder.writeJson(`raw/${rawName}.json`, measurement);
    // A group that lost a member stores less (no parity, one copy fewer): its figure must not count.
    throwIfLostMembers(
      sut.processes,
      statsAfter,
      `so the figure does not count what the scheme stores (kept in raw/${rawName}.json, logs in raw/${rawName}-logs.json)`,
    );
    return measurement;
  } catch (error) {
    await folder.writeJson(`raw/${rawName}-logs.json`, await sut.logs().catch((e: Error) => ({ error: e.message })));
    throw error;
  } finally {
    progress.phase("teardown");
    await tearDown();
  }
}
