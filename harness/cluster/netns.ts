/**
 * Builds and removes a namespace cluster on this machine (root only): a bridge with an address in the root
 * namespace, one network namespace per node joined to it by a veth pair, and an sshd of our own in each
 * namespace that accepts only the client key generated here.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { knownHostsName } from "./known-hosts.ts";
import { isRunning } from "./proc-stats.ts";
import type { ClusterConfig, NetnsSettings, NodeConfig } from "./types.ts";

export const sshdPath = "/usr/sbin/sshd";
/** sshd's privilege separation folder; it refuses to start without it. */
const privilegeSeparationDir = "/run/sshd";

type SshTransport = Extract<NodeConfig["transport"], { kind: "ssh" }>;

/** What exists of a namespace cluster right now. */
export interface NetnsState {
  bridge: boolean;
  nodes: { name: string; netns: string; namespace: boolean; veth: boolean; sshdPid: number | undefined }[];
}

/** Files of one node's sshd under the cluster's stateDir. */
export function sshdFiles(settings: NetnsSettings, netns: string) {
  const dir = join(settings.stateDir, netns);
  return { dir, config: join(dir, "sshd_config"), hostKey: join(dir, "ssh_host_ed25519_key"), pidFile: join(dir, "sshd.pid"), log: join(dir, "sshd.log"), home: join(dir, "home") };
}

/** The host-side veth of a namespace (interface names are at most 15 bytes; config.ts limits netns names to 14). */
export function hostVethName(netns: string): string {
  return `${netns}h`;
}

function requireNetns(cluster: ClusterConfig): NetnsSettings {
  if (!cluster.netns) throw new Error(`cluster ${cluster.name} has no netns section in clusters.yaml; only namespace clusters can be brought up or down`);
  return cluster.netns;
}

function requireRoot(action: string): void {
  const uid = process.getuid?.();
  if (uid !== 0) throw new Error(`${action} must run as root (found uid ${uid}): creating network namespaces, veths and a bridge needs CAP_NET_ADMIN`);
}

function namespaceOf(node: NodeConfig): string {
  if (!node.netns) throw new Error(`${node.name} has no netns name`);
  return node.netns;
}

/** Runs a program; a non-zero exit rejects with the command line and its stderr. */
async function run(file: string, args: string[]): Promise<string> {
  const result = await execa(file, args, { reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) {
    const reason = String(result.stderr).trim() || result.shortMessage;
    throw new Error(`${file} ${args.join(" ")} failed: ${reason}`);
  }
  return String(result.stdout);
}

async function linkExists(name: string): Promise<boolean> {
  return (await execa("ip", ["link", "show", "dev", name], { reject: false, stdin: "ignore" })).exitCode === 0;
}

async function namespaces(): Promise<Set<string>> {
  const listed = await run("ip", ["netns", "list"]);
  return new Set(listed.split("\n").map((line) => line.split(" ")[0]).filter((name) => name !== ""));
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, "utf8")).trim());
    return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** What of the cluster's bridge, namespaces, veths and sshds exists now. */
export async function netnsState(cluster: ClusterConfig): Promise<NetnsState> {
  const settings = requireNetns(cluster);
  const present = await namespaces();
  const nodes = [];
  for (const node of cluster.nodes) {
    const netns = namespaceOf(node);
    nodes.push({ name: node.name, netns, namespace: present.has(netns), veth: await linkExists(hostVethName(netns)), sshdPid: await readPid(sshdFiles(settings, netns).pidFile) });
  }
  return { bridge: await linkExists(settings.bridge), nodes };
}

function isFullyUp(state: NetnsState): boolean {
  return state.bridge && state.nodes.every((node) => node.namespace && node.veth && node.sshdPid !== undefined);
}

function isEmpty(state: NetnsState): boolean {
  return !state.bridge && state.nodes.every((node) => !node.namespace && !node.veth && node.sshdPid === undefined);
}

/**
 * Creates the bridge, namespaces and sshds, the client key and known_hosts. Returns "already up" when all of it
 * is there; refuses when only part of it is. A failure (or `signal` aborting) removes whatever was made.
 */
export async function netnsUp(cluster: ClusterConfig, signal?: AbortSignal): Promise<"created" | "already up"> {
  const settings = requireNetns(cluster);
  requireRoot(`cluster up ${cluster.name}`);
  for (const tool of [sshdPath, "/usr/bin/ssh-keygen"]) {
    if (!existsSync(tool)) throw new Error(`${tool} not found: install openssh-server (apt-get install -y openssh-server)`);
  }
  const state = await netnsState(cluster);
  if (isFullyUp(state)) return "already up";
  if (!isEmpty(state)) {
    throw new Error(`cluster ${cluster.name} is partly up (${describeState(state)}); run \`npm run cluster -- down ${cluster.name}\` first`);
  }
  try {
    await createKeys(cluster, settings);
    signal?.throwIfAborted();
    await run("ip", ["link", "add", settings.bridge, "type", "bridge"]);
    await run("ip", ["addr", "add", settings.bridgeAddress, "dev", settings.bridge]);
    await run("ip", ["link", "set", settings.bridge, "up"]);
    const prefix = settings.bridgeAddress.split("/")[1];
    for (const node of cluster.nodes) {
      signal?.throwIfAborted();
      const netns = namespaceOf(node);
      const veth = hostVethName(netns);
      await run("ip", ["netns", "add", netns]);
      await run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      await run("ip", ["link", "set", veth, "master", settings.bridge]);
      await run("ip", ["link", "set", veth, "up"]);
      await run("ip", ["-n", netns, "addr", "add", `${node.host}/${prefix}`, "dev", "eth0"]);
      await run("ip", ["-n", netns, "link", "set", "eth0", "up"]);
      await run("ip", ["-n", netns, "link", "set", "lo", "up"]);
    }
    await mkdir(privilegeSeparationDir, { recursive: true, mode: 0o755 });
    for (const node of cluster.nodes) {
      signal?.throwIfAborted();
      await startSshd(node, settings);
    }
    await Promise.all(cluster.nodes.map((node) => waitForSshd(node, 10_000, signal)));
    return "created";
  } catch (error) {
    await netnsDown(cluster).catch(() => undefined);
    throw error;
  }
}

/**
 * Kills every process in the cluster's namespaces (the sshds and whatever was started over SSH) and deletes the
 * namespaces, veths and bridge. Works on a partial or failed `up`, and when nothing is there.
 */
export async function netnsDown(cluster: ClusterConfig): Promise<void> {
  const settings = requireNetns(cluster);
  requireRoot(`cluster down ${cluster.name}`);
  const present = await namespaces();
  const problems: string[] = [];
  const killed: number[] = [];
  for (const node of cluster.nodes) {
    const netns = namespaceOf(node);
    const pids = new Set<number>();
    const sshdPid = await readPid(sshdFiles(settings, netns).pidFile);
    if (sshdPid !== undefined) pids.add(sshdPid);
    if (present.has(netns)) {
      for (const line of (await run("ip", ["netns", "pids", netns])).split("\n")) if (line.trim() !== "") pids.add(Number(line));
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed.push(pid);
      } catch {
        // Already gone.
      }
    }
  }
  await waitForExit(killed, 5000);
  for (const node of cluster.nodes) {
    const netns = namespaceOf(node);
    await rm(sshdFiles(settings, netns).pidFile, { force: true });
    // Deleting the host side removes the pair at once (a namespace's deletion does it only when its last user is gone).
    await deleteLink(hostVethName(netns), problems);
    if (present.has(netns)) await run("ip", ["netns", "del", netns]).catch((error: Error) => problems.push(error.message));
  }
  await deleteLink(settings.bridge, problems);
  if (problems.length > 0) throw new Error(`cluster down ${cluster.name} left something behind:\n${problems.join("\n")}`);
}

async function deleteLink(name: string, problems: string[]): Promise<void> {
  if (!(await linkExists(name))) return;
  await run("ip", ["link", "del", name]).catch((error: Error) => {
    if (!/Cannot find device/.test(error.message)) problems.push(error.message);
  });
}

/** One line per part: what exists. */
export function describeState(state: NetnsState): string {
  const parts = [`bridge ${state.bridge ? "present" : "absent"}`];
  for (const node of state.nodes) {
    parts.push(`${node.name}: namespace ${node.netns} ${node.namespace ? "present" : "absent"}, veth ${node.veth ? "present" : "absent"}, sshd ${node.sshdPid === undefined ? "not running" : `pid ${node.sshdPid}`}`);
  }
  return parts.join("; ");
}

function sshTransport(node: NodeConfig): SshTransport {
  if (node.transport.kind !== "ssh") throw new Error(`${node.name}: a netns cluster's nodes are reached over ssh, found transport ${node.transport.kind}`);
  return node.transport;
}

/** The client key (if missing), authorized_keys, every node's host key (if missing) and known_hosts entries. */
async function createKeys(cluster: ClusterConfig, settings: NetnsSettings): Promise<void> {
  await mkdir(settings.stateDir, { recursive: true });
  const publicKeys = new Set<string>();
  for (const node of cluster.nodes) {
    const { privateKeyPath } = sshTransport(node);
    if (!existsSync(privateKeyPath)) {
      await mkdir(dirname(privateKeyPath), { recursive: true });
      await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `cocytus-harness ${cluster.name}`, "-f", privateKeyPath]);
    }
    publicKeys.add((await run("ssh-keygen", ["-y", "-f", privateKeyPath])).trim());
  }
  await writeFile(join(settings.stateDir, "authorized_keys"), `${[...publicKeys].join("\n")}\n`, { mode: 0o600 });

  const hostLines = new Map<string, string[]>();
  for (const node of cluster.nodes) {
    const files = sshdFiles(settings, namespaceOf(node));
    await mkdir(files.dir, { recursive: true });
    if (!existsSync(files.hostKey)) await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${node.name} host key`, "-f", files.hostKey]);
    const [type, key] = (await readFile(`${files.hostKey}.pub`, "utf8")).trim().split(/\s+/);
    const { knownHostsPath, port } = sshTransport(node);
    if (knownHostsPath === undefined) continue;
    const lines = hostLines.get(knownHostsPath) ?? [];
    lines.push(`${knownHostsName(node.sshHost, port)} ${type} ${key}`);
    hostLines.set(knownHostsPath, lines);
  }
  // Replace only our hosts' lines, so a known_hosts shared with other hosts keeps the rest.
  for (const [path, lines] of hostLines) {
    const ours = new Set(lines.map((line) => line.split(" ")[0]));
    const previous = existsSync(path) ? (await readFile(path, "utf8")).split("\n") : [];
    const kept = previous.filter((line) => line.trim() !== "" && !ours.has(line.split(/\s+/)[0]));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${[...kept, ...lines].join("\n")}\n`);
  }
}

async function startSshd(node: NodeConfig, settings: NetnsSettings): Promise<void> {
  const netns = namespaceOf(node);
  const files = sshdFiles(settings, netns);
  const { port } = sshTransport(node);
  const config = [
    `ListenAddress ${node.host}`,
    `Port ${port}`,
    `HostKey "${files.hostKey}"`,
    `PidFile "${files.pidFile}"`,
    `AuthorizedKeysFile "${join(settings.stateDir, "authorized_keys")}"`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // Our key files live in the project folder, whose owners and modes sshd's strict checks do not expect.
    "StrictModes no",
    "Subsystem sftp internal-sftp",
    "MaxSessions 64",
    "MaxStartups 64",
    "PrintMotd no",
    // A home of its own per node, as on a separate machine; it also keeps this machine's ~/.bashrc (which bash
    // sources for every ssh command) out of each exec's round trip.
    `SetEnv HOME="${files.home}"`,
    "",
  ].join("\n");
  await mkdir(files.home, { recursive: true });
  await writeFile(files.config, config);
  await run("ip", ["netns", "exec", netns, sshdPath, "-f", files.config, "-E", files.log]);
}

/** Resolves once the node's sshd accepts TCP connections from the root namespace. */
async function waitForSshd(node: NodeConfig, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const { port } = sshTransport(node);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: node.sshHost, port });
      socket.setTimeout(1000, () => socket.destroy(new Error("timeout")));
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${node.name} (${node.sshHost}): sshd in namespace ${node.netns} did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isRunning) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
