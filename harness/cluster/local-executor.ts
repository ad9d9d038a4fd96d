/**
 * Runs a "node" of the local cluster: the same machine, with the node's own workDir and listen address.
 */
import { once } from "node:events";
import { closeSync, openSync, readSync, fstatSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { dirname, resolve } from "node:path";
import { execa } from "execa";
import { NodeError } from "./node-error.ts";
import { nodePath, processFiles } from "./node-paths.ts";
import { parseProcStats } from "./proc-stats.ts";
import type { ExecResult, Executor, NodeConfig, ProcStats, StartedProcess } from "./types.ts";

export const defaultLogBytes = 64 * 1024;

export class LocalExecutor implements Executor {
  constructor(readonly node: NodeConfig) {}

  /** `sh -c command`; a non-zero exit is a result, a timeout kills the command's whole process group and rejects. */
  async exec(command: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    // Its own process group, so a timeout also ends whatever the shell started.
    const subprocess = execa("sh", ["-c", command], { reject: false, detached: true, stdin: "ignore", stripFinalNewline: false });
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            if (subprocess.pid !== undefined) killGroup(subprocess.pid);
          }, options.timeoutMs);
    const result = await subprocess;
    clearTimeout(timer);
    if (timedOut) throw new NodeError(this.node, `exec timed out after ${options.timeoutMs} ms: ${command}`, "ETIMEDOUT");
    if (result.exitCode === undefined && result.signal === undefined) {
      throw new NodeError(this.node, `exec could not run sh: ${result.shortMessage}`, "ESPAWN");
    }
    const code = result.exitCode ?? 128 + (constants.signals[result.signal as NodeJS.Signals] ?? 0);
    return { code, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  async upload(localPath: string, remotePath: string): Promise<void> {
    const target = nodePath(this.node, remotePath);
    if (resolve(localPath) === resolve(target)) return;
    try {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(localPath, target);
    } catch (error) {
      throw new NodeError(this.node, `upload ${localPath} to ${target} failed: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code, { cause: error });
    }
  }

  /**
   * Starts argv in its own process group with the log as stdout/stderr and cwd = workDir, writes the pidfile,
   * and lets this process exit without it: the harness controls it by pid (signal, pidfile), not by a handle.
   */
  async start(name: string, argv: string[], env: Record<string, string> = {}): Promise<StartedProcess> {
    const files = processFiles(this.node, name);
    if (argv.length === 0) throw new NodeError(this.node, `start ${name}: argv must name a program, found []`, "EINVAL");
    await mkdir(this.node.workDir, { recursive: true });
    // execa's types list only fds up to 9, but any open fd is handed to the child as is (no pipe through us).
    const log = openSync(files.logPath, "w") as 3;
    try {
      const subprocess = execa(argv[0], argv.slice(1), {
        cwd: this.node.workDir,
        env,
        detached: true,
        cleanup: false,
        reject: false,
        stdin: "ignore",
        stdout: log,
        stderr: log,
      });
      // Swallow the eventual result: the process is watched through its pid, not this promise.
      void subprocess.catch(() => undefined);
      try {
        await once(subprocess, "spawn");
      } catch (error) {
        throw new NodeError(this.node, `start ${name}: cannot run ${argv[0]}: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code, { cause: error });
      }
      const pid = subprocess.pid as number;
      subprocess.unref();
      await writeFile(files.pidPath, `${pid}\n`);
      return { pid, ...files };
    } finally {
      closeSync(log);
    }
  }

  async signal(pid: number, signal: NodeJS.Signals): Promise<void> {
    try {
      process.kill(pid, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === "ESRCH" ? "no such process" : (error as Error).message;
      throw new NodeError(this.node, `kill -s ${signal} ${pid} failed: ${reason}`, code, { cause: error });
    }
  }

  async readProc(pids: number[]): Promise<ProcStats[]> {
    return Promise.all(
      pids.map(async (pid) => {
        const [stat, status] = await Promise.all([readOrEmpty(`/proc/${pid}/stat`), readOrEmpty(`/proc/${pid}/status`)]);
        return parseProcStats(pid, stat, status);
      }),
    );
  }

  async logs(logPath: string, maxBytes = defaultLogBytes): Promise<string> {
    const path = nodePath(this.node, logPath);
    try {
      return readTail(path, maxBytes);
    } catch (error) {
      throw new NodeError(this.node, `cannot read log ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, (error as NodeJS.ErrnoException).code, { cause: error });
    }
  }

  async close(): Promise<void> {}
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return "";
  }
}

function readTail(path: string, maxBytes: number): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, size - length);
    return buffer.toString("utf8", 0, read);
  } finally {
    closeSync(fd);
  }
}
