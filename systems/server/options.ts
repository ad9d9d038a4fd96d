/**
 * The server's command line (a contract, DESIGN section 5):
 *   npm run server -- --mode plain|pbr|cocytus --host H --port P [--memory MB] [--max-item-size BYTES]
 *                     [--group G --index I --k K --m M --peer-port Q --peers host:port,host:port,...]
 *                     [--groups G] [--heartbeat-ms MS --failure-timeout-ms MS]
 *                     [--codec NAME] [--recovery online|blocked] [--repair-batch-pages N]
 * The group options are passed through to the pbr and cocytus modes; the last line is cocytus's.
 */

import { parseArgs } from "node:util";

export type ServerMode = "plain" | "pbr" | "cocytus";

export interface PeerAddress {
  host: string;
  port: number;
}

/** Everything a mode's server is started with. */
export interface ServerOptions {
  mode: ServerMode;
  /** Address clients connect to. */
  host: string;
  /** Client port; 0 picks a free one (the "listening" line tells which). */
  port: number;
  /** Data area size in MiB (memcached's -m; default DEFAULT_MEMORY_MB). */
  memoryMb: number;
  /** Largest item in bytes (memcached's -I; default 1 MiB). */
  maxItemSize: number;
  /** pbr, cocytus: this process's group. */
  group?: number;
  /** pbr: 0 = primary, 1.. = backups; cocytus: 0..k-1 data, k..k+m-1 parity. */
  index?: number;
  /** cocytus: data processes per group (RS(k, m)). */
  k?: number;
  /** cocytus: parity processes per group. */
  m?: number;
  /** Port for peer traffic (replication, parity, recovery, heartbeats). */
  peerPort?: number;
  /** Every member of the group in index order, as host:peer-port. */
  peers?: PeerAddress[];
  /** Groups in the deployment: with it a member refuses keys it does not own, and a recovery leader routes the keys it hosts. */
  groups?: number;
  /** Peer heartbeat interval (ms). */
  heartbeatMs?: number;
  /** Silence on a peer link after which the peer counts as failed (ms). */
  failureTimeoutMs?: number;
  /** cocytus: the erasure codec (systems/codec CODEC_NAMES); the mode checks the name. */
  codec?: string;
  /** cocytus: online repair (default) or the blocked variant of the paper's comparison. */
  recovery?: "online" | "blocked";
  /** cocytus: 4 KiB pages per repair batch. */
  repairBatchPages?: number;
}

/** What a started server hands back to main.ts (every mode returns this). */
export interface RunningServer {
  host: string;
  /** The client port actually listened on. */
  port: number;
  /** Stops listening, closes connections and peer links. */
  close(): Promise<void>;
}

/** A bad command line: main.ts prints the message and the usage, and exits with code 2. */
export class UsageError extends Error {}

export const USAGE =
  "usage: npm run server -- --mode plain|pbr|cocytus --host H --port P [--memory MB (1024)] [--max-item-size BYTES (1m)]\n" +
  "                         [--group G --index I --k K --m M --peer-port Q --peers host:port,...] [--groups G]\n" +
  "                         [--heartbeat-ms MS --failure-timeout-ms MS] [--codec NAME] [--recovery online|blocked] [--repair-batch-pages N]";

const MODES: readonly ServerMode[] = ["plain", "pbr", "cocytus"];

/**
 * Default data area: 1 GiB, not memcached's 64 MiB. Reserving costs nothing until pages are
 * touched, and the store (no eviction, 1 MiB slab pages per size class) runs out of pages with
 * only 64 of them under mixed value sizes.
 */
export const DEFAULT_MEMORY_MB = 1024;

export function parseServerArgs(argv: string[]): ServerOptions {
  let values: Record<string, string | undefined>;
  try {
    const parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        mode: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        memory: { type: "string" },
        "max-item-size": { type: "string" },
        group: { type: "string" },
        index: { type: "string" },
        k: { type: "string" },
        m: { type: "string" },
        "peer-port": { type: "string" },
        peers: { type: "string" },
        groups: { type: "string" },
        "heartbeat-ms": { type: "string" },
        "failure-timeout-ms": { type: "string" },
        codec: { type: "string" },
        recovery: { type: "string" },
        "repair-batch-pages": { type: "string" },
      },
    });
    values = parsed.values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const mode = values.mode;
  if (mode === undefined) throw new UsageError("--mode is required (plain, pbr or cocytus)");
  if (!MODES.includes(mode as ServerMode)) throw new UsageError(`--mode must be plain, pbr or cocytus, found ${JSON.stringify(mode)}`);
  const host = values.host;
  if (host === undefined || host === "") throw new UsageError("--host is required (the address to listen on, e.g. 127.0.0.1)");
  if (values.port === undefined) throw new UsageError("--port is required (0 picks a free port)");
  const options: ServerOptions = {
    mode: mode as ServerMode,
    host,
    port: integer("--port", values.port, 0, 65535),
    memoryMb: values.memory === undefined ? DEFAULT_MEMORY_MB : integer("--memory", values.memory, 1, 32 * 1024),
    maxItemSize: values["max-item-size"] === undefined ? 1024 * 1024 : itemSize(values["max-item-size"]),
  };
  if (values.group !== undefined) options.group = integer("--group", values.group, 0, 1_000_000);
  if (values.index !== undefined) options.index = integer("--index", values.index, 0, 255);
  if (values.k !== undefined) options.k = integer("--k", values.k, 1, 255);
  if (values.m !== undefined) options.m = integer("--m", values.m, 0, 255);
  if (values["peer-port"] !== undefined) options.peerPort = integer("--peer-port", values["peer-port"], 0, 65535);
  if (values.peers !== undefined) options.peers = peerList(values.peers);
  if (values.groups !== undefined) options.groups = integer("--groups", values.groups, 1, 1_000_000);
  if (values["heartbeat-ms"] !== undefined) options.heartbeatMs = integer("--heartbeat-ms", values["heartbeat-ms"], 10, 60_000);
  if (values["failure-timeout-ms"] !== undefined) options.failureTimeoutMs = integer("--failure-timeout-ms", values["failure-timeout-ms"], 200, 600_000);
  if (options.heartbeatMs !== undefined && options.failureTimeoutMs !== undefined && options.failureTimeoutMs <= 2 * options.heartbeatMs) {
    throw new UsageError(`--failure-timeout-ms must be more than twice --heartbeat-ms (${options.heartbeatMs}), found ${options.failureTimeoutMs}`);
  }
  if (values.codec !== undefined) options.codec = values.codec;
  if (values.recovery !== undefined) {
    if (values.recovery !== "online" && values.recovery !== "blocked") throw new UsageError(`--recovery must be online or blocked, found ${JSON.stringify(values.recovery)}`);
    options.recovery = values.recovery;
  }
  if (values["repair-batch-pages"] !== undefined) options.repairBatchPages = integer("--repair-batch-pages", values["repair-batch-pages"], 1, 4096);
  return options;
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be an integer in ${min}..${max}, found ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${name} must be an integer in ${min}..${max}, found ${text}`);
  return value;
}

/** Bytes, with memcached's k and m suffixes accepted; memcached's bounds (1 KiB to 1 GiB). */
function itemSize(text: string): number {
  const match = /^(\d+)([kKmM]?)$/.exec(text);
  if (match === null) throw new UsageError(`--max-item-size must be a byte count like 1048576 or 1m, found ${JSON.stringify(text)}`);
  const unit = match[2].toLowerCase() === "k" ? 1024 : match[2].toLowerCase() === "m" ? 1024 * 1024 : 1;
  const value = Number(match[1]) * unit;
  if (value < 1024 || value > 1024 * 1024 * 1024) {
    throw new UsageError(`--max-item-size must be between 1k and 1024m (as memcached's -I), found ${text}`);
  }
  return value;
}

function peerList(text: string): PeerAddress[] {
  return text.split(",").map((entry, i) => {
    const match = /^([^:\s]+):(\d+)$/.exec(entry.trim());
    if (match === null) throw new UsageError(`--peers[${i}] must be host:port, found ${JSON.stringify(entry)}`);
    const port = Number(match[2]);
    if (port < 1 || port > 65535) throw new UsageError(`--peers[${i}] port must be in 1..65535, found ${match[2]}`);
    return { host: match[1], port };
  });
}
