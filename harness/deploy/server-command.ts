import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix } from "node:path";
import { execa } from "execa";
import { projectRoot } from "../cluster/config.ts";
import type { ClusterConfig, NodeConfig } from "../cluster/types.ts";
import { SERVER_NODE_FLAGS } from "../../systems/server/node-flags.ts";
import { groupMembers, type PlacedProcess, type Placement } from "./placement.ts";

/** The bundled server that deployment uploads to every node (scripts/build-server.mjs). */
export const serverBundlePath = join(projectRoot, "dist", "server.mjs");
/** Its name in each node's workDir. */
export const SERVER_BUNDLE_NAME = "server.mjs";
/** The TypeScript entry, run through tsx by the "tsx" launcher. */
export const serverEntryPath = join(projectRoot, "systems", "server", "main.ts");
const tsxLoaderUrl = import.meta.resolve("tsx");

/**
 * How a node runs the server: "bundle" uploads dist/server.mjs to the node's workDir (needed for
 * remote hosts); "tsx" runs systems/server/main.ts from this checkout (nodes on this machine only).
 */
export type Launcher = "bundle" | "tsx";

/** Builds dist/server.mjs once (esbuild, about a second). Fails with esbuild's own message. */
export async function buildServerBundle(): Promise<string> {
  const result = await execa(process.execPath, [join(projectRoot, "scripts", "build-server.mjs")], { cwd: projectRoot, reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) throw new Error(`building the server bundle (npm run build) failed:\n${String(result.stderr || result.stdout).trim()}`);
  if (!statSync(serverBundlePath, { throwIfNoEntry: false })?.isFile()) throw new Error(`npm run build finished but ${serverBundlePath} does not exist`);
  return serverBundlePath;
}

/** True when a node runs on this machine (local, or a namespace of it): the "tsx" launcher works only there. */
export function sharesThisMachine(node: NodeConfig): boolean {
  return node.transport.kind === "local" || node.netns !== undefined;
}

/** The Reed-Solomon addon's package, which the bundle leaves external (a native module). */
const addonPackage = "@ronomon/reed-solomon";

/**
 * The addon files to ship next to the bundle: `<workDir>/node_modules/@ronomon/reed-solomon/`
 * gets its package.json and its main file (the compiled binding.node), so the bundle's require
 * resolves there on any node. The binary is this machine's build: a node must have the same
 * platform, architecture and Node ABI (`npx harness doctor` checks).
 */
export function addonFiles(): { localPath: string; remotePath: string }[] {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve(`${addonPackage}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { main?: string };
  const main = manifest.main ?? "index.js";
  const folder = dirname(manifestPath);
  return ["package.json", main].map((file) => ({ localPath: join(folder, file), remotePath: posix.join("node_modules", addonPackage, file) }));
}

/** platform, arch and Node ABI of this machine: a node must match them to load the shipped addon. */
export const addonAbi = `${process.platform} ${process.arch} ${process.versions.modules}`;

/**
 * The command line of one server process (systems/server/main.ts's contract): mode, host, client
 * port, memory, and for pbr and cocytus its group, index, peer port and every member's peer address
 * in index order (itself included); cocytus also gets k, m and the group count.
 */
export function serverArgv(cluster: ClusterConfig, placement: Placement, process: PlacedProcess, node: NodeConfig, launcher: Launcher, memoryMb: number | undefined, extra: readonly string[] = []): string[] {
  const program = launcher === "bundle" ? [join(node.workDir, SERVER_BUNDLE_NAME)] : ["--import", tsxLoaderUrl, serverEntryPath];
  const argv = [cluster.nodeBinary, ...SERVER_NODE_FLAGS, ...program, "--mode", placement.mode, "--host", process.host, "--port", String(process.port)];
  if (memoryMb !== undefined) argv.push("--memory", String(memoryMb));
  if (placement.mode !== "plain") {
    const peers = groupMembers(placement.processes, process.group).map((member) => `${member.host}:${member.peerPort}`);
    argv.push("--group", String(process.group), "--index", String(process.index), "--peer-port", String(process.peerPort), "--peers", peers.join(","));
    // --groups lets members refuse keys they do not own and a recovery leader route the keys it hosts.
    if (placement.mode === "cocytus") argv.push("--k", String(placement.k), "--m", String(placement.m), "--groups", String(placement.shape.groups));
  }
  argv.push(...extra);
  return argv;
}
