/** Every experiment of DESIGN section 11, built or not: what it does, its cost, what it waits for. */
import { figBlocked } from "./fig-blocked/experiment.ts";
import { figCoding } from "./fig-coding/experiment.ts";
import { figLatency } from "./fig-latency/experiment.ts";
import { figMemory } from "./fig-memory/experiment.ts";
import { figRecovery } from "./fig-recovery/experiment.ts";
import { figThroughput } from "./fig-throughput/experiment.ts";
import { tableCpu } from "./table-cpu/experiment.ts";
import type { ExperimentDefinition, ExperimentName } from "./types.ts";

const paperSystems = ["plain", "pbr", "cocytus"];

export const experiments: Record<ExperimentName, ExperimentDefinition> = {
  "fig-memory": figMemory,
  "fig-throughput": figThroughput,
  "fig-latency": figLatency,
  "table-cpu": tableCpu,
  "fig-recovery": figRecovery,
  "fig-coding": figCoding,
  "fig-blocked": figBlocked,
};

/** The text `--list` prints. */
export function describeExperiments(): string {
  const lines: string[] = [];
  for (const definition of Object.values(experiments)) {
    const status = definition.needs ? `not built yet: needs ${definition.needs}` : "built";
    lines.push(
      `${definition.name}  [${status}]`,
      `  what:      ${definition.what}`,
      `  time:      --fast ${definition.fastTime}; --paper ${definition.paperTime}`,
      `  resources: ${definition.resources}`,
      `  systems:   ${definition.systems.join(", ")}`,
      "",
    );
  }
  lines.push("all  runs every experiment above in order (fails if any is not built or fails).");
  return lines.join("\n");
}
