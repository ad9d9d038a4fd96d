import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";

/** A child process a test started; `stop()` kills it and waits for its exit. */
export interface RunningProcess {
  readonly child: ChildProcess;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 10_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before listening on ${host}:${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `command args`, waits until it listens on host:port, and kills it on stop() or when this process exits. */
export async function startListening(command: string, args: string[], host: string, port: number, env?: NodeJS.ProcessEnv): Promise<RunningProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  try {
    await waitForPort(host, port, 15_000, child);
  } catch (error) {
    child.kill("SIGKILL");
    process.off("exit", killOnExit);
    throw new Error(`${command} ${args.join(" ")}: ${(error as Error).message}\n${stderr}`);
  }
  return {
    child,
    host,
    port,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
