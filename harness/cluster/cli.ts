/**
 * `npm run cluster -- up|down|status [NAME] [--file clusters.yaml]`: creates, removes or shows a namespace
 * cluster (NAME defaults to "netns"). Root only for up and down.
 */
import { Command } from "commander";
import { defaultClustersPath, loadCluster } from "./config.ts";
import { describeState, netnsDown, netnsState, netnsUp } from "./netns.ts";

const program = new Command("cluster").description("Creates and removes the network-namespace clusters of clusters.yaml").showHelpAfterError();

program
  .command("up")
  .argument("[name]", "a cluster with a netns section in clusters.yaml", "netns")
  .option("--file <path>", "the clusters.yaml to read", defaultClustersPath)
  .description("create the bridge, namespaces, keys and sshds")
  .action(async (name: string, options: { file: string }) => {
    const cluster = loadCluster(name, options.file);
    const abort = new AbortController();
    // Ctrl-C stops between steps; netnsUp then removes what it made.
    const onSignal = () => abort.abort(new Error("interrupted"));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const began = performance.now();
    const outcome = await netnsUp(cluster, abort.signal);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    const elapsed = Math.round(performance.now() - began);
    if (outcome === "already up") console.log(`cluster ${name} is already up`);
    else console.log(`cluster ${name} up in ${elapsed} ms: ${cluster.nodes.length} namespaces on ${cluster.netns?.bridge} (${cluster.netns?.bridgeAddress}), sshd in each`);
    for (const node of cluster.nodes) console.log(`  ${node.name}  ${node.host}  netns ${node.netns}`);
  });

program
  .command("down")
  .argument("[name]", "a cluster with a netns section in clusters.yaml", "netns")
  .option("--file <path>", "the clusters.yaml to read", defaultClustersPath)
  .description("kill every process in the namespaces and delete namespaces, veths and the bridge")
  .action(async (name: string, options: { file: string }) => {
    const cluster = loadCluster(name, options.file);
    const began = performance.now();
    await netnsDown(cluster);
    console.log(`cluster ${name} down in ${Math.round(performance.now() - began)} ms`);
  });

program
  .command("status")
  .argument("[name]", "a cluster with a netns section in clusters.yaml", "netns")
  .option("--file <path>", "the clusters.yaml to read", defaultClustersPath)
  .description("show which parts of the namespace cluster exist")
  .action(async (name: string, options: { file: string }) => {
    console.log(describeState(await netnsState(loadCluster(name, options.file))).split("; ").join("\n"));
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`cluster: ${(error as Error).message}`);
  process.exitCode = 1;
}
