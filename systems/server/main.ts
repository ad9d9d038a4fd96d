/**
 * The server entry of every mode (a contract): `npm run server -- --mode plain --host H --port P`.
 * Prints `listening <host>:<port> mode=<mode> pid=<pid>` once clients can connect; exits 0 on
 * SIGTERM/SIGINT after closing its listeners, 2 on a bad command line or an unbuilt mode.
 */

import { parseServerArgs, UsageError, USAGE, type RunningServer, type ServerMode, type ServerOptions } from "./options.ts";
import { startPlainServer } from "./plain.ts";

/** The module a replicated mode provides (systems/pbr/server.ts, systems/cocytus/server.ts). */
interface PbrModule {
  startPbrServer(options: ServerOptions): Promise<RunningServer>;
}
interface CocytusModule {
  startCocytusServer(options: ServerOptions): Promise<RunningServer>;
}

class ModeNotBuilt extends Error {}

/**
 * Imports a mode's module. The paths are string literals so esbuild bundles them; the `as string`
 * only keeps the type checker from requiring the file before that mode exists.
 */
async function startMode(options: ServerOptions): Promise<RunningServer> {
  switch (options.mode) {
    case "plain":
      return startPlainServer(options);
    case "pbr": {
      const mode = (await importMode("pbr", () => import("../pbr/server.ts" as string))) as PbrModule;
      return mode.startPbrServer(options);
    }
    case "cocytus": {
      const mode = (await importMode("cocytus", () => import("../cocytus/server.ts" as string))) as CocytusModule;
      return mode.startCocytusServer(options);
    }
  }
}

async function importMode(mode: ServerMode, load: () => Promise<unknown>): Promise<unknown> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(`${mode}/server`)) {
      throw new ModeNotBuilt(`mode ${mode} is not built yet (systems/${mode}/server.ts is missing)`);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  let options: ServerOptions;
  try {
    options = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`server: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  let running: RunningServer;
  try {
    running = await startMode(options);
  } catch (error) {
    if (error instanceof ModeNotBuilt) {
      process.stderr.write(`server: ${error.message}\n`);
      process.exit(2);
    }
    // A mode's own option checks (group, index, peers) are usage errors too.
    if (error instanceof UsageError) {
      process.stderr.write(`server: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES") {
      process.stderr.write(`server: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`server: ${signal}, closing\n`);
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`listening ${running.host}:${running.port} mode=${options.mode} pid=${process.pid}\n`);
}

await main();
