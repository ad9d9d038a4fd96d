import { statSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { projectRoot } from "../cluster/config.ts";
import type { ClusterConfig, NodeConfig } from "../cluster/types.ts";
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

/**
 * True when a node shares this machine's filesystem (local, or a namespace of this machine):
 * the bundle's external native addon (@ronomon/reed-solomon) then resolves through NODE_PATH
 * pointing at the project's node_modules. A real remote host needs the addon installed next to
 * the bundle (`npm install @ronomon/reed-solomon` in its workDir) — not automated yet.
 */
export function sharesThisMachine(node: NodeConfig): boolean {
  return node.transport.kind === "local" || node.netns !== undefined;
}

/** Environment for a server process: the deployment mark, and NODE_PATH where the addon is reachable. */
export function serverEnv(node: NodeConfig, mark: Record<string, string>): Record<string, string> {
  return sharesThisMachine(node) ? { ...mark, NODE_PATH: join(projectRoot, "node_modules") } : { ...mark };
}

/**
 * The command line of one server process (systems/server/main.ts's contract): mode, host, client
 * port, memory, and for pbr and cocytus its group, index, peer port and every member's peer address
 * in index order (itself included); cocytus also gets k and m.
 */
export function serverArgv(cluster: ClusterConfig, placement: Placement, process: PlacedProcess, node: NodeConfig, launcher: Launcher, memoryMb: number | undefined, extra: readonly string[] = []): string[] {
  const program = launcher === "bundle" ? [join(node.workDir, SERVER_BUNDLE_NAME)] : ["--import", tsxLoaderUrl, serverEntryPath];
  const argv = [cluster.nodeBinary, ...program, "--mode", placement.mode, "--host", process.host, "--port", String(process.port)];
  if (memoryMb !== undefined) argv.push("--memory", String(memoryMb));
  if (placement.mode !== "plain") {
    const peers = groupMembers(placement.processes, process.group).map((member) => `${member.host}:${member.peerPort}`);
    argv.push("--group", String(process.group), "--index", String(process.index), "--peer-port", String(process.peerPort), "--peers", peers.join(","));
    if (placement.mode === "cocytus") argv.push("--k", String(placement.k), "--m", String(placement.m));
  }
  argv.push(...extra);
  return argv;
}
