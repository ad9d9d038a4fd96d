/**
 * Loads clusters.yaml (the contract) into ClusterConfig values.
 * A bad file is refused with the path of the bad field, what was found and what was expected.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { z } from "zod";
import type { ClusterConfig, NetnsSettings, NodeConfig, NodeTransport } from "./types.ts";

/** The project root (two levels above this file); relative paths in clusters.yaml resolve against it. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const defaultClustersPath = join(projectRoot, "clusters.yaml");

/** A clusters.yaml that cannot be used; the message names the file, the field and the value. */
export class ClusterConfigError extends Error {
  override name = "ClusterConfigError";
}

const hostNamePattern = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True for an IPv4/IPv6 address or an RFC 1123 host name. */
export function isHostOrAddress(value: string): boolean {
  return isIP(value) !== 0 || hostNamePattern.test(value);
}

const hostMessage = "must be a host name or IP address";
const host = () => z.string({ error: hostMessage }).refine(isHostOrAddress, { error: hostMessage });
const nameMessage = "must be a name of letters, digits, '-' or '_'";
const name = () => z.string({ error: nameMessage }).regex(/^[A-Za-z0-9_-]{1,32}$/, { error: nameMessage });
const portMessage = "must be a port number (1-65535)";
const port = () => z.int({ error: portMessage }).min(1, { error: portMessage }).max(65535, { error: portMessage });
const pathMessage = "must be a file or folder path";
const path = () => z.string({ error: pathMessage }).min(1, { error: pathMessage });
// Interface names are at most 15 bytes; a namespace's host-side veth is named `<netns>h`.
const netnsMessage = "must be a namespace name of 1-14 letters, digits, '-' or '_'";
const netnsName = () => z.string({ error: netnsMessage }).regex(/^[A-Za-z0-9_-]{1,14}$/, { error: netnsMessage });
const bridgeMessage = "must be an interface name of 1-15 letters, digits, '-' or '_'";
const cidrMessage = "must be an IPv4 address with a prefix length, like 10.213.0.1/24";

const sshSchema = z.strictObject({
  user: z.string({ error: "must be a user name" }).regex(/^[A-Za-z0-9._-]+$/, { error: "must be a user name" }).optional(),
  port: port().optional(),
  key: path().optional(),
  knownHosts: path().optional(),
  hostKeyCheck: z.enum(["strict", "accept-new", "off"], { error: "must be one of strict, accept-new, off" }).optional(),
});

const nodeSchema = z.strictObject({
  name: name(),
  host: host(),
  sshHost: host().optional(),
  workDir: path().optional(),
  ssh: sshSchema.optional(),
  netns: netnsName().optional(),
});

const netnsSchema = z.strictObject({
  bridge: z.string({ error: bridgeMessage }).regex(/^[A-Za-z0-9_-]{1,15}$/, { error: bridgeMessage }),
  bridgeAddress: z.string({ error: cidrMessage }).refine((v) => parseCidr(v) !== undefined, { error: cidrMessage }),
  stateDir: path(),
});

const clusterSchema = z.strictObject({
  transport: z.enum(["local", "ssh"], { error: "must be local or ssh" }),
  basePort: port(),
  nodeBinary: z.string({ error: "must be a program name or path" }).min(1, { error: "must be a program name or path" }).optional(),
  workDir: path(),
  ssh: sshSchema.optional(),
  netns: netnsSchema.optional(),
  nodes: z.array(nodeSchema, { error: "must be a list of nodes" }).min(1, { error: "must list at least one node" }),
});

const fileSchema = z.strictObject({
  default: name().optional(),
  clusters: z.record(name(), clusterSchema, { error: "must map cluster names to clusters" }),
});

type ClusterEntry = z.infer<typeof clusterSchema>;

/** Every cluster in a clusters.yaml, and which one is used when none is named. */
export interface ClustersFile {
  path: string;
  defaultCluster: string;
  clusters: Map<string, ClusterConfig>;
}

/** Reads and validates a clusters.yaml (the project's own unless `path` is given). */
export function loadClustersFile(path = defaultClustersPath): ClustersFile {
  const shown = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ClusterConfigError(`${shown}: cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseClustersFile(text, path);
}

/** The named cluster (the file's default when `name` is omitted) from a clusters.yaml. */
export function loadCluster(name?: string, path = defaultClustersPath): ClusterConfig {
  const file = loadClustersFile(path);
  const wanted = name ?? file.defaultCluster;
  const cluster = file.clusters.get(wanted);
  if (!cluster) {
    throw new ClusterConfigError(`${displayPath(path)}: no cluster named ${JSON.stringify(wanted)}; expected one of ${[...file.clusters.keys()].join(", ")}`);
  }
  return cluster;
}

/** Validates the text of a clusters.yaml; `path` is used in messages and to resolve nothing else. */
export function parseClustersFile(text: string, path: string): ClustersFile {
  const shown = displayPath(path);
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    const where = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : "";
    const reason = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ClusterConfigError(`${shown}: ${where}not valid YAML: ${reason}`);
  }
  const raw: unknown = document.toJS();
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ClusterConfigError(parsed.error.issues.map((issue) => `${shown}: ${describeIssue(issue, raw)}`).join("\n"));
  }
  const problems: string[] = [];
  const clusters = new Map<string, ClusterConfig>();
  for (const [clusterName, entry] of Object.entries(parsed.data.clusters)) {
    const cluster = buildCluster(clusterName, entry, (field, message, found) =>
      problems.push(`${shown}: clusters.${clusterName}.${field} ${message}, found ${describeValue(found)}`),
    );
    clusters.set(clusterName, cluster);
  }
  const defaultCluster = parsed.data.default ?? "local";
  if (!clusters.has(defaultCluster)) {
    problems.push(`${shown}: default must name a cluster in clusters (${[...clusters.keys()].join(", ")}), found ${describeValue(defaultCluster)}`);
  }
  if (problems.length > 0) throw new ClusterConfigError(problems.join("\n"));
  return { path, defaultCluster, clusters };
}

type Report = (field: string, message: string, found: unknown) => void;

/** Turns one validated entry into a ClusterConfig, reporting what the schema alone cannot check. */
function buildCluster(clusterName: string, entry: ClusterEntry, report: Report): ClusterConfig {
  const names = new Set<string>();
  const hosts = new Set<string>();
  const namespaces = new Set<string>();
  const subnet = entry.netns ? parseCidr(entry.netns.bridgeAddress) : undefined;
  if (entry.netns && entry.transport !== "ssh") report("transport", "must be ssh for a cluster with netns", entry.transport);
  if (entry.transport === "ssh" && entry.ssh === undefined && entry.nodes.some((node) => node.ssh === undefined)) {
    report("ssh", "must give at least user and key for an ssh cluster", undefined);
  }
  const nodes = entry.nodes.map((node, index): NodeConfig => {
    const at = `nodes[${index}]`;
    if (names.has(node.name)) report(`${at}.name`, "must differ from the other nodes' names", node.name);
    names.add(node.name);
    if (hosts.has(node.host)) report(`${at}.host`, "must differ from the other nodes' hosts", node.host);
    hosts.add(node.host);
    if (entry.netns) {
      if (node.netns === undefined) report(`${at}.netns`, "must name the node's namespace in a netns cluster", undefined);
      else if (namespaces.has(node.netns)) report(`${at}.netns`, "must differ from the other nodes' namespaces", node.netns);
      if (node.netns !== undefined) namespaces.add(node.netns);
      const address = parseIpv4(node.host);
      if (subnet && (address === undefined || !inSubnet(address, subnet) || address === subnet.address)) {
        report(`${at}.host`, `must be an IPv4 address in ${entry.netns.bridgeAddress} other than the bridge's`, node.host);
      }
    } else if (node.netns !== undefined) {
      report(`${at}.netns`, "is only allowed in a cluster with a netns section", node.netns);
    }
    const transport = buildTransport(entry, node, at, report);
    const onThisMachine = entry.transport === "local" || entry.netns !== undefined;
    let workDir = node.workDir ?? join(entry.workDir, node.name);
    if (onThisMachine) workDir = resolveLocalPath(workDir);
    else if (!workDir.startsWith("/")) report(node.workDir ? `${at}.workDir` : "workDir", "must be an absolute path on the remote nodes", node.workDir ?? entry.workDir);
    return { index, name: node.name, host: node.host, sshHost: node.sshHost ?? node.host, transport, workDir, ...(node.netns ? { netns: node.netns } : {}) };
  });
  const netns: NetnsSettings | undefined = entry.netns
    ? { bridge: entry.netns.bridge, bridgeAddress: entry.netns.bridgeAddress, stateDir: resolveLocalPath(entry.netns.stateDir) }
    : undefined;
  return { name: clusterName, nodes, basePort: entry.basePort, nodeBinary: entry.nodeBinary ?? "node", ...(netns ? { netns } : {}) };
}

function buildTransport(entry: ClusterEntry, node: ClusterEntry["nodes"][number], at: string, report: Report): NodeTransport {
  if (entry.transport === "local") {
    if (node.ssh !== undefined) report(`${at}.ssh`, "is only allowed in an ssh cluster", node.ssh);
    return { kind: "local" };
  }
  const ssh = { ...entry.ssh, ...node.ssh };
  if (ssh.user === undefined) report(`${at}.ssh.user`, "must be given (in the cluster's ssh or the node's)", undefined);
  if (ssh.key === undefined) report(`${at}.ssh.key`, "must be given (in the cluster's ssh or the node's)", undefined);
  const hostKeyCheck = ssh.hostKeyCheck ?? "strict";
  return {
    kind: "ssh",
    user: ssh.user ?? "",
    port: ssh.port ?? 22,
    privateKeyPath: resolveLocalPath(ssh.key ?? ""),
    ...(hostKeyCheck === "off" ? {} : { knownHostsPath: resolveLocalPath(ssh.knownHosts ?? "~/.ssh/known_hosts") }),
    hostKeyCheck,
  };
}

/** A path on this machine: `~/` is the home folder, a relative path is relative to the project root. */
export function resolveLocalPath(path: string): string {
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(projectRoot, path);
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const field = formatPath(issue.path);
  if (issue.code === "invalid_key") {
    const parent = formatPath(issue.path.slice(0, -1));
    return `${parent} has a bad key ${describeValue(issue.path.at(-1))}: it ${nameMessage}`;
  }
  if (issue.code === "unrecognized_keys") {
    const where = field === "" ? "the top level" : field;
    return `${where} has unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}; expected only the fields listed at the top of clusters.yaml`;
  }
  if (field === "") return `the file must be a mapping with a clusters field, found ${describeValue(raw)}`;
  return `${field} ${issue.message}, found ${describeValue(valueAt(raw, issue.path))}`;
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let value = raw;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function displayPath(path: string): string {
  const fromRoot = relative(projectRoot, resolve(path));
  return fromRoot.startsWith("..") || isAbsolute(fromRoot) ? path : fromRoot;
}

interface Ipv4Subnet {
  address: number;
  prefix: number;
}

/** "10.213.0.1/24" → its address and prefix length; undefined if it is not IPv4 CIDR. */
export function parseCidr(text: string): Ipv4Subnet | undefined {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const prefix = Number(match[2]);
  if (address === undefined || prefix < 8 || prefix > 30) return undefined;
  return { address, prefix };
}

function parseIpv4(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

function inSubnet(address: number, subnet: Ipv4Subnet): boolean {
  const size = 2 ** (32 - subnet.prefix);
  const network = Math.floor(subnet.address / size);
  const offset = address % size;
  return Math.floor(address / size) === network && offset !== 0 && offset !== size - 1;
}
