/**
 * `npm run experiment <name> [-- --fast | --paper] [--cluster NAME] [--repeat N] [--check]
 *  [--out DIR] [--list] [--render DIR] [--seed S]` (contract, DESIGN section 11).
 */
import { rerenderFigure } from "../report/render.ts";
import { parseExperimentArgs, UsageError } from "./cli-options.ts";
import { describeExperiments, experiments } from "./registry.ts";
import { runExperiment } from "./runner.ts";
import { interruptionInProgress } from "./cleanup.ts";

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseExperimentArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`experiment: ${error.message}\nusage: npm run experiment <name> [-- --fast | --paper] [--cluster NAME] [--repeat N] [--check] [--out DIR] [--seed S]; --list describes the experiments\n`);
      return 2;
    }
    throw error;
  }
  switch (command.kind) {
    case "help":
      process.stdout.write(command.text);
      return 0;
    case "list":
      process.stdout.write(describeExperiments() + "\n");
      return 0;
    case "render": {
      const written = await rerenderFigure(command.folder);
      if (!written.ok) {
        process.stderr.write(`${written.error}\n(the data in ${command.folder} is untouched)\n`);
        return 1;
      }
      process.stdout.write(`rendered ${written.files.filter((f) => f.endsWith(".svg") || f.endsWith(".png")).join(", ")} in ${command.folder}\n`);
      return 0;
    }
    case "run": {
      const failures: string[] = [];
      for (const name of command.names) {
        const result = await runExperiment(experiments[name], command.config, argv);
        if (result.folder) process.stdout.write(`${name}: results in ${result.folder}\n`);
        failures.push(...result.failures);
      }
      for (const failure of failures) process.stderr.write(`FAILED ${failure}\n`);
      return failures.length === 0 ? 0 : 1;
    }
  }
}

main(process.argv.slice(2)).then(
  // After Ctrl-C the aborted run ends here first; the signal handler exits (130) once teardown is done.
  (code) => {
    if (!interruptionInProgress()) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`experiment: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
