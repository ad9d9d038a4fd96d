/**
 * For tests: a five-node local cluster of our own (a temporary clusters.yaml, workDirs and state
 * file under one temp folder, a free port range), and a way to find any process left in it.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortRange } from "../../test/support/port-range.ts";

export const LOCAL_HOSTS = ["127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.1.5"];

export interface TestCluster {
  dir: string;
  clustersFile: string;
  statePath: string;
  basePort: number;
  /** Kills anything still running from this folder (a failed test must not leak) and removes it. */
  remove(): void;
}

/** A local cluster "test" (127.0.1.1-5) whose workDirs live in a fresh temp folder. */
export async function makeTestCluster(portsPerHost = 20): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "harness-deploy-"));
  const basePort = await freePortRange(LOCAL_HOSTS, portsPerHost);
  const clustersFile = join(dir, "clusters.yaml");
  writeFileSync(
    clustersFile,
    [
      "default: test",
      "clusters:",
      "  test:",
      "    transport: local",
      `    basePort: ${basePort}`,
      `    workDir: ${join(dir, "work")}`,
      "    nodes:",
      ...LOCAL_HOSTS.map((host, i) => `      - { name: node${i + 1}, host: ${host} }`),
      "",
    ].join("\n"),
  );
  return {
    dir,
    clustersFile,
    statePath: join(dir, "state.json"),
    basePort,
    remove() {
      for (const pid of processesIn(dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Live (non-zombie) processes whose working directory is inside `dir` (the local executor starts servers in their workDir). */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (!cwd.startsWith(dir)) continue;
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (/^State:\s+Z/m.test(status)) continue;
      found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
