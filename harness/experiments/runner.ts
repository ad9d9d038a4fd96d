/**
 * Runs one experiment: makes its run folder, records experiment.json (config, seed, git,
 * versions, machine), hands the experiment a Cleanup, and tears everything down on every exit
 * path (success, error, Ctrl-C).
 */
import { Cleanup, interruptionInProgress } from "./cleanup.ts";
import { environment } from "./environment.ts";
import { RunFolder } from "./run-folder.ts";
import type { ExperimentConfig, ExperimentDefinition, ExperimentOutcome } from "./types.ts";

export interface RunResult extends ExperimentOutcome {
  /** The run folder, absent when the experiment could not start. */
  folder?: string;
}

/** "fig-throughput: not built yet: needs ..." — the answer for experiments that don't exist yet. */
export function notBuiltMessage(definition: ExperimentDefinition): string {
  return `${definition.name}: not built yet: needs ${definition.needs ?? "its experiment module"}`;
}

/** Checks --systems against what the experiment can measure. */
export function validateSystems(definition: ExperimentDefinition, systems: string[] | undefined): string | undefined {
  const unknown = (systems ?? []).filter((s) => !definition.systems.includes(s));
  if (unknown.length === 0) return undefined;
  return `--systems: ${definition.name} measures ${definition.systems.join(", ")}; found ${unknown.join(", ")}`;
}

/** Checks --sizes against the value-size settings the experiment has. */
export function validateSizes(definition: ExperimentDefinition, sizes: string[] | undefined): string | undefined {
  if (sizes === undefined) return undefined;
  if (!definition.sizes) return `--sizes: ${definition.name} has no value-size settings to choose from`;
  const unknown = sizes.filter((s) => !definition.sizes?.includes(s));
  if (unknown.length === 0) return undefined;
  return `--sizes: ${definition.name} measures ${definition.sizes.join(", ")}; found ${unknown.join(", ")}`;
}

export async function runExperiment(definition: ExperimentDefinition, config: ExperimentConfig, argv: string[], root = process.cwd()): Promise<RunResult> {
  if (!definition.run || definition.needs) return { ok: false, failures: [notBuiltMessage(definition)] };
  const optionError = validateSystems(definition, config.systems) ?? validateSizes(definition, config.sizes);
  if (optionError) return { ok: false, failures: [optionError] };
  const lacking = await definition.preflight?.(config);
  if (lacking) return { ok: false, failures: [`${definition.name}: cannot run: needs ${lacking}`] };

  const folder = await RunFolder.create(config.out, definition.name);
  const started = new Date();
  const env = await environment(root);
  const record: Record<string, unknown> = {
    experiment: definition.name,
    status: "running",
    startedAt: started.toISOString(),
    command: ["npm", "run", "experiment", "--", ...argv].join(" "),
    config,
    seed: config.seed,
    git: env.git,
    versions: env.versions,
    machine: env.machine,
  };
  await folder.writeJson("experiment.json", record);

  const cleanup = new Cleanup();
  // Registered first, so it runs last on Ctrl-C: the record says the run was interrupted.
  cleanup.add("experiment.json", async () => {
    if (!cleanup.signal.aborted) return;
    await folder.writeJson("experiment.json", { ...record, status: "interrupted", finishedAt: new Date().toISOString() });
  });
  cleanup.installSignalHandlers();
  let outcome: ExperimentOutcome;
  try {
    outcome = await definition.run({ config, folder, cleanup, signal: cleanup.signal });
  } catch (error) {
    const message = (error as Error).stack ?? String(error);
    await folder.writeText("error.txt", message + "\n").catch(() => undefined);
    outcome = { ok: false, failures: [`${definition.name}: ${(error as Error).message}`] };
  } finally {
    const teardownErrors = await cleanup.run();
    cleanup.removeSignalHandlers();
    for (const error of teardownErrors) process.stderr.write(error + "\n");
  }
  const finished = new Date();
  // After Ctrl-C the aborted run also ends here: it stays recorded as interrupted, not failed.
  record.status = interruptionInProgress() ? "interrupted" : outcome.ok ? "ok" : "failed";
  record.finishedAt = finished.toISOString();
  record.durationSeconds = Math.round((finished.getTime() - started.getTime()) / 100) / 10;
  record.failures = outcome.failures;
  await folder.writeJson("experiment.json", record);
  return { ...outcome, folder: folder.path };
}
