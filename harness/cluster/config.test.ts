import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ClusterConfigError, loadCluster, loadClustersFile, projectRoot } from "./config.ts";

let folder: string;
let fileCount = 0;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), "clusters-yaml-"));
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Writes `text` as a clusters.yaml in a temp folder and returns its path. */
async function clustersFile(text: string): Promise<string> {
  const path = join(folder, `clusters-${fileCount++}.yaml`);
  await writeFile(path, text);
  return path;
}

/** Asserts that loading `text` is refused with a message containing every line of `expected`. */
async function assertRefused(text: string, ...expected: string[]): Promise<void> {
  const path = await clustersFile(text);
  assert.throws(
    () => loadClustersFile(path),
    (error: Error) => {
      assert.ok(error instanceof ClusterConfigError, `expected a ClusterConfigError, found ${error.name}`);
      for (const line of expected) assert.ok(error.message.includes(`${path}: ${line}`), `message:\n${error.message}\nmissing:\n${path}: ${line}`);
      return true;
    },
  );
}

const sshCluster = (nodes: string, extra = "") => `
clusters:
  netns:
    transport: ssh
    basePort: 17100
    workDir: .harness/netns/work
    ssh: { user: root, key: .harness/netns/key, knownHosts: .harness/netns/known_hosts }
    netns: { bridge: cocybr0, bridgeAddress: 10.213.0.1/24, stateDir: .harness/netns }
${extra}    nodes:
${nodes}`;

test("the project's clusters.yaml has a local default of five loopback nodes with work folders under .harness/local", () => {
  const local = loadCluster();
  assert.equal(local.name, "local");
  assert.deepEqual(
    local.nodes.map((node) => node.host),
    ["127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.1.5"],
  );
  assert.deepEqual(local.nodes[2], {
    index: 2,
    name: "node3",
    host: "127.0.1.3",
    sshHost: "127.0.1.3",
    transport: { kind: "local" },
    workDir: join(projectRoot, ".harness/local/node3"),
  });
  assert.equal(local.nodeBinary, "node");
  assert.ok(local.basePort > 1024);
});

test("the project's netns cluster reaches five namespaces over SSH with keys under .harness/netns", () => {
  const netns = loadCluster("netns");
  assert.equal(netns.nodes.length, 5);
  assert.deepEqual(netns.netns, { bridge: "cocybr0", bridgeAddress: "10.213.0.1/24", stateDir: join(projectRoot, ".harness/netns") });
  for (const node of netns.nodes) {
    assert.match(node.host, /^10\.213\.0\.\d+$/);
    assert.equal(node.netns, `cocy${node.index + 1}`);
    assert.deepEqual(node.transport, {
      kind: "ssh",
      user: "root",
      port: 22,
      privateKeyPath: join(projectRoot, ".harness/netns/client_ed25519"),
      knownHostsPath: join(projectRoot, ".harness/netns/known_hosts"),
      hostKeyCheck: "strict",
    });
  }
});

test("a node's own ssh settings override the cluster's, and sshHost defaults to host", async () => {
  const path = await clustersFile(`
default: lab
clusters:
  lab:
    transport: ssh
    basePort: 20000
    nodeBinary: /usr/bin/node
    workDir: /var/tmp/cocytus
    ssh: { user: bench, key: ~/.ssh/id_ed25519, hostKeyCheck: accept-new }
    nodes:
      - { name: a, host: 10.0.0.1, sshHost: lab1.example.org }
      - { name: b, host: 10.0.0.2, workDir: /data/b, ssh: { port: 2222, hostKeyCheck: "off", user: other } }
`);
  const lab = loadCluster(undefined, path);
  assert.equal(lab.name, "lab");
  assert.equal(lab.nodeBinary, "/usr/bin/node");
  assert.deepEqual(lab.nodes[0], {
    index: 0,
    name: "a",
    host: "10.0.0.1",
    sshHost: "lab1.example.org",
    workDir: "/var/tmp/cocytus/a",
    transport: { kind: "ssh", user: "bench", port: 22, privateKeyPath: join(homedir(), ".ssh/id_ed25519"), knownHostsPath: join(homedir(), ".ssh/known_hosts"), hostKeyCheck: "accept-new" },
  });
  assert.deepEqual(lab.nodes[1], {
    index: 1,
    name: "b",
    host: "10.0.0.2",
    sshHost: "10.0.0.2",
    workDir: "/data/b",
    transport: { kind: "ssh", user: "other", port: 2222, privateKeyPath: join(homedir(), ".ssh/id_ed25519"), hostKeyCheck: "off" },
  });
});

test("a host that is not a host name or address is refused with its path and value", async () => {
  await assertRefused(
    sshCluster("      - { name: node1, host: 10.213.0.11, netns: a1 }\n      - { name: node2, host: 10.213.0.12, netns: a2 }\n      - { name: node3, host: 42, netns: a3 }\n      - { name: node4, host: 'bad host!', netns: a4 }\n"),
    "clusters.netns.nodes[2].host must be a host name or IP address, found 42",
    'clusters.netns.nodes[3].host must be a host name or IP address, found "bad host!"',
  );
});

test("a missing or out-of-range port, an unknown transport and an empty node list are refused", async () => {
  await assertRefused(
    "clusters:\n  x:\n    transport: ftp\n    workDir: w\n    nodes: []\n  y:\n    transport: local\n    basePort: 70000\n    workDir: w\n    nodes: [{ name: n, host: h, ssh: { port: 0 } }]\n",
    'clusters.x.transport must be local or ssh, found "ftp"',
    "clusters.x.basePort must be a port number (1-65535), found nothing",
    "clusters.x.nodes must list at least one node, found []",
    "clusters.y.basePort must be a port number (1-65535), found 70000",
    "clusters.y.nodes[0].ssh.port must be a port number (1-65535), found 0",
  );
});

test("unknown fields are refused, naming where they are", async () => {
  await assertRefused(
    "clusters:\n  x:\n    transport: local\n    basePort: 1\n    workDir: w\n    nodes: [{ name: n, host: h, hots: h2 }]\n    colour: blue\nextra: 1\n",
    "the top level has unknown field extra",
    "clusters.x has unknown field colour",
    "clusters.x.nodes[0] has unknown field hots",
  );
});

test("a file that is not YAML is refused with the line and column", async () => {
  await assertRefused("clusters:\n  x: [\n", "line 3, column 1: not valid YAML:");
  await assertRefused("clusters:\n  x: 1\n  x: 2\n", "line 3, column 3: not valid YAML: Map keys must be unique");
});

test("an empty file, a list and a bad cluster name are refused", async () => {
  await assertRefused("", "the file must be a mapping with a clusters field, found null");
  await assertRefused("- 1\n", "the file must be a mapping with a clusters field, found [1]");
  await assertRefused("clusters:\n  'two words': {}\n", `clusters has a bad key "two words": it must be a name of letters, digits, '-' or '_'`);
});

test("duplicate node names and hosts and a default that names no cluster are refused", async () => {
  await assertRefused(
    "default: lab\nclusters:\n  local:\n    transport: local\n    basePort: 1\n    workDir: w\n    nodes:\n      - { name: a, host: 127.0.1.1 }\n      - { name: a, host: 127.0.1.1 }\n",
    'clusters.local.nodes[1].name must differ from the other nodes\' names, found "a"',
    'clusters.local.nodes[1].host must differ from the other nodes\' hosts, found "127.0.1.1"',
    'default must name a cluster in clusters (local), found "lab"',
  );
});

test("an ssh cluster needs a user and a key and an absolute remote workDir", async () => {
  await assertRefused(
    "clusters:\n  lab:\n    transport: ssh\n    basePort: 1\n    workDir: relative/dir\n    ssh: { port: 22, hostKeyCheck: maybe }\n    nodes: [{ name: a, host: h1 }]\n",
    'clusters.lab.ssh.hostKeyCheck must be one of strict, accept-new, off, found "maybe"',
  );
  await assertRefused(
    "clusters:\n  lab:\n    transport: ssh\n    basePort: 1\n    workDir: relative/dir\n    ssh: { port: 22 }\n    nodes: [{ name: a, host: h1 }]\n",
    "clusters.lab.nodes[0].ssh.user must be given (in the cluster's ssh or the node's), found nothing",
    "clusters.lab.nodes[0].ssh.key must be given (in the cluster's ssh or the node's), found nothing",
    'clusters.lab.workDir must be an absolute path on the remote nodes, found "relative/dir"',
  );
});

test("netns nodes must have distinct namespace names and addresses inside the bridge's subnet", async () => {
  await assertRefused(
    sshCluster(
      "      - { name: a, host: 10.213.0.11, netns: ns1 }\n      - { name: b, host: 10.213.1.12, netns: ns1 }\n      - { name: c, host: 10.213.0.1, netns: ns3 }\n      - { name: d, host: 10.213.0.14 }\n",
    ),
    'clusters.netns.nodes[1].netns must differ from the other nodes\' namespaces, found "ns1"',
    'clusters.netns.nodes[1].host must be an IPv4 address in 10.213.0.1/24 other than the bridge\'s, found "10.213.1.12"',
    'clusters.netns.nodes[2].host must be an IPv4 address in 10.213.0.1/24 other than the bridge\'s, found "10.213.0.1"',
    "clusters.netns.nodes[3].netns must name the node's namespace in a netns cluster, found nothing",
  );
  await assertRefused(
    sshCluster("      - { name: a, host: 10.213.0.11, netns: a-name-that-is-too-long }\n"),
    `clusters.netns.nodes[0].netns must be a namespace name of 1-14 letters, digits, '-' or '_', found "a-name-that-is-too-long"`,
  );
});

test("a bad bridge address and a netns section on a local cluster are refused", async () => {
  await assertRefused(
    "clusters:\n  n:\n    transport: local\n    basePort: 1\n    workDir: w\n    netns: { bridge: br, bridgeAddress: 10.213.0.1, stateDir: s }\n    nodes: [{ name: a, host: 10.213.0.2, netns: x }]\n",
    'clusters.n.netns.bridgeAddress must be an IPv4 address with a prefix length, like 10.213.0.1/24, found "10.213.0.1"',
  );
  await assertRefused(
    "clusters:\n  n:\n    transport: local\n    basePort: 1\n    workDir: w\n    netns: { bridge: br, bridgeAddress: 10.213.0.1/24, stateDir: s }\n    nodes: [{ name: a, host: 10.213.0.2, netns: x }]\n",
    'clusters.n.transport must be ssh for a cluster with netns, found "local"',
  );
});

test("asking for a cluster the file does not have names the ones it has", async () => {
  assert.throws(() => loadCluster("nope"), /clusters\.yaml: no cluster named "nope"; expected one of local, netns/);
});

test("a missing file is refused with its path", () => {
  const path = join(folder, "absent.yaml");
  assert.throws(() => loadClustersFile(path), new RegExp(`${path}: cannot read the file: ENOENT`));
});
