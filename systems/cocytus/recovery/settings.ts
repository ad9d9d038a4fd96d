/**
 * Recovery settings of a cocytus server process, from the environment. The server entry's flags
 * (--recovery, --groups, --repair-batch-pages) win over these; server.ts merges the two:
 *
 *   COCYTUS_RECOVERY=online|blocked    online repair (default) or the blocked variant
 *   COCYTUS_GROUPS=G                   groups in the deployment: the leader routes keys to the
 *                                      data processes it hosts (needed when it hosts two)
 *   COCYTUS_REPAIR_BATCH_PAGES=256     pages per repair batch (1 MiB snapshot frames)
 */
import type { RecoveryMode } from "./hosted-data.ts";

export interface RecoverySettings {
  mode: RecoveryMode;
  groups: number | undefined;
  batchPages: number;
}

function integerSetting(environment: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const text = environment[name];
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new Error(`cocytus: ${name} must be an integer from ${min} to ${max}, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Reads the settings; throws naming the variable, what was expected and what was found. */
export function recoverySettingsFrom(environment: NodeJS.ProcessEnv = process.env): RecoverySettings {
  const mode = environment.COCYTUS_RECOVERY ?? "online";
  if (mode !== "online" && mode !== "blocked") throw new Error(`cocytus: COCYTUS_RECOVERY must be online or blocked, found ${JSON.stringify(mode)}`);
  return {
    mode,
    groups: integerSetting(environment, "COCYTUS_GROUPS", 1, 1_000_000),
    batchPages: integerSetting(environment, "COCYTUS_REPAIR_BATCH_PAGES", 1, 4096) ?? 256,
  };
}
