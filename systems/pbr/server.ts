/**
 * A pbr server process: one member of one group (index 0 starts as the primary, the others as
 * its backups). The shared entry (systems/server/main.ts) calls startPbrServer with the parsed
 * `--mode pbr --host H --port P [--memory MB] [--max-item-size BYTES] --group G --index I
 * --peer-port Q --peers host:peerPort,host:peerPort,host:peerPort`.
 *
 * Start order within a group does not matter: every member listens for peers, dials the members
 * above it and waits (up to connectDeadlineMs) for all links before it opens its client port, so
 * "port open" means the group is formed. A member not linked by then counts as down.
 * A missing or inconsistent group option is a UsageError (main.ts's bad-command-line error).
 */

import { DEFAULT_FAILURE_DETECTION, type FailureDetection } from "../peer/index.ts";
import { listenMemcached } from "../protocol/listener.ts";
import { UsageError, type RunningServer, type ServerOptions } from "../server/options.ts";
import { Store } from "../store/index.ts";
import { PbrBackend } from "./backend.ts";
import { PbrMember } from "./member.ts";

export interface PbrServerOptions extends ServerOptions {
  /** Heartbeat and timeout of the peer links (default 100 ms / 1 s). */
  detection?: FailureDetection;
  /** How long to wait for the other members at start (default 30 s). */
  connectDeadlineMs?: number;
  /** Where protocol events go (default stderr, prefixed with the group and index). */
  log?: (line: string) => void;
}

export interface PbrServer extends RunningServer {
  readonly member: PbrMember;
}

const MiB = 1024 * 1024;

export async function startPbrServer(options: PbrServerOptions): Promise<PbrServer> {
  const { group, index, peers, peerPort } = options;
  if (group === undefined) throw new UsageError("pbr: --group is required (the group number)");
  if (index === undefined) throw new UsageError("pbr: --index is required (0 = the initial primary, 1 and 2 the backups)");
  if (peers === undefined || peers.length < 2) {
    throw new UsageError(`pbr: --peers must list every member of the group as host:peerPort in index order, found ${peers?.length ?? 0} entries`);
  }
  if (index >= peers.length) throw new UsageError(`pbr: --index must be below the ${peers.length} members in --peers, found ${index}`);
  if (peerPort !== undefined && peers[index].port !== peerPort) {
    throw new UsageError(`pbr: --peer-port ${peerPort} must equal this member's entry in --peers (index ${index}: ${peers[index].host}:${peers[index].port})`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`pbr g${group}/${index}: ${line}\n`));
  const store = new Store({ memoryBytes: options.memoryMb * MiB, maxValueBytes: options.maxItemSize });
  const member = new PbrMember(store, {
    group,
    index,
    peers,
    itemSize: options.maxItemSize,
    detection:
      options.detection ??
      (options.heartbeatMs === undefined && options.failureTimeoutMs === undefined
        ? undefined
        : { heartbeatMs: options.heartbeatMs ?? DEFAULT_FAILURE_DETECTION.heartbeatMs, timeoutMs: options.failureTimeoutMs ?? DEFAULT_FAILURE_DETECTION.timeoutMs }),
    connectDeadlineMs: options.connectDeadlineMs,
    log,
  });
  await member.start();
  let listener;
  try {
    listener = await listenMemcached({
      host: options.host,
      port: options.port,
      backend: new PbrBackend(member),
      maxItemSize: options.maxItemSize,
      settings: { tcpport: options.port, inter: options.host, mode: "pbr", pbr_group: group, pbr_index: index },
    });
  } catch (error) {
    member.close();
    throw error;
  }
  member.publishClientAddress(`${options.host}:${listener.port}`);
  return {
    member,
    host: listener.host,
    port: listener.port,
    close: async () => {
      member.close();
      await listener.close();
    },
  };
}
