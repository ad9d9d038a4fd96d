/**
 * `npx harness <command>` (also `npm run harness -- <command>`): deploy a mode onto a cluster,
 * look at it, inject faults, serve it through one memcached port, and take it down.
 * The deployment lives in the state file, so each command is a separate invocation.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { defaultClustersPath, loadCluster } from "../cluster/config.ts";
import { closeExecutors, createExecutors } from "../cluster/executors.ts";
import { killServers } from "../deploy/cleanup.ts";
import { deploy, InterruptedError } from "../deploy/deploy.ts";
import { diagnoseCluster } from "../deploy/doctor.ts";
import { DeploymentHandle, parseFaultTarget, throwIfFailed } from "../deploy/handle.ts";
import { defaultStatePath, readState } from "../deploy/state.ts";
import type { FaultRecord } from "../deploy/state.ts";
import { startProxy } from "../proxy/proxy.ts";
import { chainRefreshers, groupViewRefresher, stateFileRefresher } from "../proxy/view-refresher.ts";
import { formatStatusTable, formatTable } from "./format.ts";

interface GlobalOptions {
  state: string;
  clusters: string;
}

function integer(name: string, min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}, found ${JSON.stringify(text)}`);
    return Number(text);
  };
}

const program = new Command("harness")
  .description("Deploys the plain, pbr and cocytus servers onto a cluster of clusters.yaml and controls them")
  .option("--state <path>", "the harness state file", defaultStatePath())
  .option("--clusters <path>", "the clusters.yaml to read", defaultClustersPath)
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text.startsWith("error:") ? `harness: ${text}` : text) });

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

function openDeployment(statePath: string): DeploymentHandle {
  const handle = DeploymentHandle.open(statePath);
  if (!handle) throw new Error(`nothing is deployed (no state file at ${statePath}); run \`npx harness up --mode <plain|pbr|cocytus>\` first`);
  return handle;
}

program
  .command("up")
  .description("deploy and start a mode; prints the process table as JSON")
  .addOption(new Option("--mode <mode>", "server mode").choices(["plain", "pbr", "cocytus"]).makeOptionMandatory())
  .option("--cluster <name>", "cluster in clusters.yaml (its default when omitted)")
  .option("--k <n>", "cocytus: data processes per group", integer("--k", 1, 64))
  .option("--m <n>", "cocytus: parity processes per group", integer("--m", 1, 64))
  .option("--memory <mb>", "data area per process, MB", integer("--memory", 1, 32 * 1024))
  .option("--groups <n>", "plain: processes; pbr, cocytus: groups", integer("--groups", 1, 10_000))
  .option("--base-port <port>", "first port on each node (overrides the cluster's)", integer("--base-port", 1, 65535))
  .addOption(new Option("--launcher <how>", "bundle (dist/server.mjs on each node) or tsx (this checkout)").choices(["bundle", "tsx"]))
  .option("--server-arg <arg>", "an extra flag for every server, repeatable (--server-arg=--recovery --server-arg=blocked)", (arg: string, list: string[]) => [...list, arg], [] as string[])
  .action(async (options: { mode: "plain" | "pbr" | "cocytus"; cluster?: string; k?: number; m?: number; memory?: number; groups?: number; basePort?: number; launcher?: "bundle" | "tsx"; serverArg?: string[] }, command: Command) => {
    const { state, clusters } = globals(command);
    if (options.mode !== "cocytus" && (options.k !== undefined || options.m !== undefined)) {
      throw new Error(`--k and --m are cocytus's coding parameters; mode ${options.mode} takes neither`);
    }
    const began = performance.now();
    const deployment = await deploy({
      mode: options.mode,
      cluster: options.cluster,
      clustersFile: clusters,
      statePath: state,
      k: options.k,
      m: options.m,
      memoryMb: options.memory,
      groups: options.groups,
      basePort: options.basePort,
      launcher: options.launcher,
      serverArgs: options.serverArg,
      onProgress: (message) => process.stderr.write(`harness: ${message}\n`),
    });
    await deployment.release();
    process.stdout.write(`${formatTable(deployment.processes)}\n`);
    process.stderr.write(`harness: ${deployment.processes.length} ${deployment.mode} processes up on cluster ${deployment.clusterName} in ${Math.round(performance.now() - began)} ms\n`);
  });

program
  .command("status")
  .description("which processes are alive, with RSS and CPU time from /proc")
  .option("--json", "print JSON instead of a table")
  .action(async (options: { json?: boolean }, command: Command) => {
    const { state } = globals(command);
    if (!readState(state)) {
      process.stdout.write(`nothing is deployed (no state file at ${state})\n`);
      return;
    }
    const handle = openDeployment(state);
    try {
      const rows = await handle.status();
      if (options.json) process.stdout.write(`${JSON.stringify({ mode: handle.mode, cluster: handle.clusterName, k: handle.k, m: handle.m, groups: handle.groups, processes: rows, faults: handle.faults }, null, 2)}\n`);
      else process.stdout.write(`${handle.mode} on cluster ${handle.clusterName} (${rows.filter((r) => r.alive).length}/${rows.length} alive)\n${formatStatusTable(rows)}\n`);
    } finally {
      await handle.release();
    }
  });

for (const [action, description] of [
  ["kill", "SIGKILL every process on node N (the table's node column) or one process"],
  ["pause", "SIGSTOP every process on node N or one process"],
  ["resume", "SIGCONT every process on node N or one process"],
] as const) {
  program
    .command(action)
    .description(description)
    .argument("<target...>", "`node N` or a process id such as plain-7 or pbr-g3-primary")
    .action(async (words: string[], _options: unknown, command: Command) => {
      const handle = openDeployment(globals(command).state);
      try {
        const record = await handle.inject(action, parseFaultTarget(words));
        process.stdout.write(`${describeFault(record)}\n`);
      } finally {
        await handle.release();
      }
    });
}

program
  .command("down")
  .description("kill every server on every node (recorded pids and pidfiles); idempotent")
  .option("--cluster <name>", "with no state file: the cluster whose pidfiles to check (its default when omitted)")
  .action(async (options: { cluster?: string }, command: Command) => {
    const { state, clusters } = globals(command);
    const began = performance.now();
    const handle = DeploymentHandle.open(state);
    if (handle) {
      const count = handle.processes.length;
      await handle.teardown();
      process.stdout.write(`down: ${count} ${handle.mode} processes on cluster ${handle.clusterName} stopped, state cleared (${Math.round(performance.now() - began)} ms)\n`);
      return;
    }
    // No state (never deployed, or it was lost): servers can still be found through their pidfiles.
    const cluster = loadCluster(options.cluster, clusters);
    const executors = createExecutors(cluster, { connectTimeoutMs: 5000 });
    const report = await killServers(executors, new Map(), undefined);
    await closeExecutors(executors);
    throwIfFailed(report);
    const killed = report.reduce((sum, r) => sum + r.killed.length, 0);
    process.stdout.write(`down: nothing recorded in ${state}; ${killed} leftover server(s) found by pidfile on cluster ${cluster.name} killed (${Math.round(performance.now() - began)} ms)\n`);
  });

program
  .command("proxy")
  .description("serve the memcached protocol on one port, routing every key to the process that owns it")
  .requiredOption("--port <port>", "port to listen on", integer("--port", 0, 65535))
  .option("--host <address>", "address to listen on", "127.0.0.1")
  .action(async (options: { port: number; host: string }, command: Command) => {
    const { state: statePath } = globals(command);
    const state = readState(statePath);
    if (!state || state.status !== "up") throw new Error(state ? `the deployment in ${statePath} is still ${state.status}` : `nothing is deployed (no state file at ${statePath})`);
    const fromState = stateFileRefresher(() => readState(statePath), state.deploymentId);
    const refresh = state.mode === "plain" ? fromState : chainRefreshers(fromState, groupViewRefresher(state.mode, state.processes));
    const proxy = await startProxy({ host: options.host, port: options.port, shape: state.shape, processes: state.processes, refresh });
    process.stdout.write(`proxy listening ${proxy.host}:${proxy.port} for ${state.mode} on cluster ${state.cluster} (${state.processes.length} processes); Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await proxy.close();
  });

program
  .command("doctor")
  .description("check a cluster before a run: reachable, node version, free ports, leftover servers")
  .option("--cluster <name>", "cluster in clusters.yaml (its default when omitted)")
  .action(async (options: { cluster?: string }, command: Command) => {
    const { state, clusters } = globals(command);
    const cluster = loadCluster(options.cluster, clusters);
    const recorded = readState(state);
    if (recorded) process.stdout.write(`note: ${state} records a deployment (${recorded.mode} on ${recorded.cluster}, ${recorded.status}); its ports show as in use\n`);
    const report = await diagnoseCluster(cluster);
    for (const node of report) {
      process.stdout.write(`${node.label}: ${node.problems.length === 0 ? "ok" : "PROBLEMS"}\n`);
      for (const problem of node.problems) process.stdout.write(`  ✗ ${problem}\n`);
      for (const fact of node.facts) process.stdout.write(`  ✓ ${fact}\n`);
    }
    const bad = report.filter((n) => n.problems.length > 0).length;
    process.stdout.write(bad === 0 ? `cluster ${cluster.name}: ready\n` : `cluster ${cluster.name}: ${bad} of ${report.length} nodes have problems\n`);
    if (bad > 0) process.exitCode = 1;
  });

function describeFault(record: FaultRecord): string {
  const list = record.processes.map((p) => `${p.id} (pid ${p.pid}${p.result === "gone" ? ", already gone" : ""})`).join(", ");
  return `${record.at} ${record.action} ${record.target}: ${record.signal} to ${record.processes.length} process(es): ${list || "none"}`;
}

// `npx harness status | head` closes stdout early; that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`harness: ${(error as Error).message}\n`);
  process.exitCode = error instanceof InterruptedError ? 130 : 1;
}
