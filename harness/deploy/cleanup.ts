import { shellQuote } from "../cluster/ssh-executor.ts";
import type { Executor } from "../cluster/types.ts";
import { DEPLOYMENT_ENV } from "./state.ts";

/** Server pidfiles and logs in a node's workDir are `server-<process id>.pid` / `.log`. */
export const SERVER_FILE_PREFIX = "server-";

export interface NodeCleanup {
  node: number;
  /** Pids that were alive, carried the deployment's mark, and were killed. */
  killed: number[];
  /** Set when the node could not be cleaned (unreachable, or a process would not die). */
  error?: string;
}

/**
 * SIGKILLs every server process of a deployment on every node and waits until they are gone:
 * the recorded pids, whatever the pidfiles in each workDir name, and any process running in a
 * workDir (a crashed `up` may have recorded neither). A process is killed only if its environment carries HARNESS_DEPLOYMENT — this
 * deployment's id, or any id when `deploymentId` is undefined — so a reused pid is never hit.
 * Every node is tried even if some fail; failures are reported per node, not thrown.
 */
export async function killServers(executors: readonly Executor[], pidsByNode: ReadonlyMap<number, number[]>, deploymentId: string | undefined, timeoutMs = 10_000): Promise<NodeCleanup[]> {
  return Promise.all(
    executors.map(async (executor): Promise<NodeCleanup> => {
      const node = executor.node.index;
      try {
        const result = await executor.exec(killScript(executor.node.workDir, pidsByNode.get(node) ?? [], deploymentId, timeoutMs), { timeoutMs: timeoutMs + 5000 });
        const killed = result.stdout.split("\n").filter((l) => l.startsWith("killed ")).map((l) => Number(l.slice(7)));
        const survivors = result.stdout.split("\n").filter((l) => l.startsWith("alive ")).map((l) => l.slice(6));
        if (survivors.length > 0) return { node, killed, error: `${executor.node.name}: processes ${survivors.join(", ")} still alive ${timeoutMs} ms after SIGKILL` };
        if (result.code !== 0) return { node, killed, error: `${executor.node.name}: cleanup script failed (exit ${result.code}): ${result.stderr.trim()}` };
        return { node, killed };
      } catch (error) {
        return { node, killed: [], error: (error as Error).message };
      }
    }),
  );
}

/**
 * Shell lines that set `$servers` to the pids of live processes carrying the mark: among `pids`,
 * the pidfiles in workDir, and every process whose working directory is workDir (executors start
 * servers there; this finds one whose pidfile a crashed harness never wrote).
 */
export function findServersScript(workDir: string, pids: number[], deploymentId: string | undefined): string {
  const mark = deploymentId === undefined ? `^${DEPLOYMENT_ENV}=` : `^${DEPLOYMENT_ENV}=${deploymentId}$`;
  const dir = shellQuote(workDir);
  return [
    `servers=""`,
    `for p in ${pids.join(" ")} $(cat ${dir}/${SERVER_FILE_PREFIX}*.pid 2>/dev/null) $(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname ${dir} -printf '%h\\n' 2>/dev/null | cut -d/ -f3); do`,
    `  case "$p" in ''|*[!0-9]*) continue;; esac`,
    `  case " $servers " in *" $p "*) continue;; esac`,
    `  if tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -q ${shellQuote(mark)}; then servers="$servers $p"; fi`,
    `done`,
  ].join("\n");
}

/** One shell script per node: find marked processes, SIGKILL them, remove pidfiles, wait until they are gone. */
function killScript(workDir: string, pids: number[], deploymentId: string | undefined, timeoutMs: number): string {
  const tries = Math.max(1, Math.ceil(timeoutMs / 100));
  return [
    findServersScript(workDir, pids, deploymentId),
    `victims=""`,
    `for p in $servers; do kill -9 "$p" 2>/dev/null && victims="$victims $p" && echo "killed $p"; done`,
    `rm -f ${shellQuote(workDir)}/${SERVER_FILE_PREFIX}*.pid`,
    // A killed process is gone once /proc has no entry or it is a zombie waiting for its parent.
    `left=""; i=0; while [ $i -lt ${tries} ]; do left=""; for p in $victims; do if [ -d /proc/$p ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null; then left="$left $p"; fi; done; [ -z "$left" ] && break; i=$((i+1)); sleep 0.1; done`,
    `for p in $left; do echo "alive $p"; done`,
    `true`,
  ].join("\n");
}
