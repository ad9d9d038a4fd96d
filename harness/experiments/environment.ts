/** What a run records about where it ran: git commit, package versions, the machine. */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { cpus, release, totalmem, type as osType } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface GitState {
  commit: string;
  /** True when tracked files differ from the commit (untracked files don't count). */
  dirty: boolean;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  os: string;
  /** Linux's transparent huge pages mode ("always", "madvise", "never"), or "unknown". */
  transparentHugePages: string;
}

export interface Environment {
  git: GitState;
  versions: Record<string, string>;
  machine: Machine;
}

/** Packages whose versions change what a run measures or draws. */
const keyPackages = ["typescript", "tsx", "vega", "vega-lite", "@resvg/resvg-js", "csv-stringify", "hdr-histogram-js", "@ronomon/reed-solomon", "execa", "ssh2", "zod", "yaml"];

export async function gitState(root = process.cwd()): Promise<GitState> {
  try {
    const commit = (await run("git", ["rev-parse", "HEAD"], { cwd: root })).stdout.trim();
    const status = (await run("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root })).stdout.trim();
    return { commit, dirty: status.length > 0 };
  } catch {
    return { commit: "unknown", dirty: true };
  }
}

/** Installed versions of node, the key npm packages, and native memcached when present. */
export async function versions(root = process.cwd()): Promise<Record<string, string>> {
  const found: Record<string, string> = { node: process.versions.node };
  for (const name of keyPackages) {
    try {
      const manifest = JSON.parse(await readFile(join(root, "node_modules", name, "package.json"), "utf8")) as { version?: string };
      found[name] = manifest.version ?? "unknown";
    } catch {
      found[name] = "not installed";
    }
  }
  const memcached = await nativeMemcachedVersion();
  if (memcached) found.memcached = memcached;
  return found;
}

/** "1.6.18" when Debian's memcached is installed, undefined otherwise. */
export async function nativeMemcachedVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run("memcached", ["-V"]);
    return stdout.trim().replace(/^memcached\s+/, "");
  } catch {
    return undefined;
  }
}

/**
 * The selected mode in /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never").
 * It matters to fig-memory: with "always", RSS grows by 2 MB pages wherever a large mapping is
 * touched, and our Zipf figures came out 16-11x higher (plain 35.5, cocytus 60 per value byte).
 */
export function transparentHugePages(path = "/sys/kernel/mm/transparent_hugepage/enabled"): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync(path, "utf8"))?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function machine(): Machine {
  const list = cpus();
  return { cores: list.length, cpuModel: list[0]?.model ?? "unknown", memoryBytes: totalmem(), kernel: release(), os: osType(), transparentHugePages: transparentHugePages() };
}

export async function environment(root = process.cwd()): Promise<Environment> {
  return { git: await gitState(root), versions: await versions(root), machine: machine() };
}
