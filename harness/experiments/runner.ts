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

/** Checks --systems and --sizes against what the experiment can measure. */
export function validateChoices(definition: ExperimentDefinition, config: Pick<ExperimentConfig, "systems" | "sizes">): string | undefined {
  const systemsError = unknownChoice("--systems", definition, definition.systems, config.systems);
  if (systemsError) return systemsError;
  if (config.sizes && !definition.sizes) return `--sizes: ${definition.name} has no value-size settings to choose from`;
  return unknownChoice("--sizes", definition, definition.sizes ?? [], config.sizes);
}

function unknownChoice(option: string, definition: ExperimentDefinition, known: readonly string[], chosen: string[] | undefined): string | undefined {
  const unknown = (chosen ?? []).filter((s) => !known.includes(s));
  if (unknown.length === 0) return undefined;
  return `${option}: ${definition.name} measures ${known.join(", ")}; found ${unknown.join(", ")}`;
}

export async function runExperiment(definition: ExperimentDefinition, config: ExperimentConfig, argv: string[], root = process.cwd()): Promise<RunResult> {
  if (!definition.run || definition.needs) return { ok: false, failures: [notBuiltMessage(definition)] };
  const optionError = validateChoices(definition, config);
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
