/**
 * A Cocytus server process: one member of one group (a data process for index < k, a parity
 * process otherwise). The shared server entry calls startCocytusServer with the parsed
 * `--mode cocytus --group G --index I --k K --m M --host H --port P --peer-port Q --peers …`.
 *
 * Start order within a group does not matter: a parity process listens for its data processes;
 * a data process keeps dialing the parity processes until connectDeadlineMs, and opens its
 * client port only once every parity process is linked (so "port open" means "ready").
 */
import { CODEC_NAMES, DEFAULT_CODEC, PAGE_SIZE, createCodec, type CodecName } from "../codec/codec.ts";
import type { FailureDetection } from "../peer/index.ts";
import { listenMemcached, type MemcachedListener } from "../protocol/listener.ts";
import { UsageError, type RunningServer, type ServerOptions } from "../server/options.ts";
import { DataArea, Store } from "../store/index.ts";
import { dataBackend, parityBackend, type Ownership } from "./backend.ts";
import { DataMember } from "./data-member.ts";
import { checkGroupConfig, type GroupConfig } from "./group-config.ts";
import { ParityMember } from "./parity-member.ts";
import { DataRecovery } from "./recovery/data-recovery.ts";
import { ParityRecovery } from "./recovery/parity-recovery.ts";
import { recoverySettingsFrom, type RecoverySettings } from "./recovery/settings.ts";

/** The server entry's options, plus what only tests and tools set. */
export interface CocytusServerOptions extends ServerOptions {
  /**
   * Erasure codec of the group (every member must use the same). Default: --codec, else the
   * environment's COCYTUS_CODEC, else DEFAULT_CODEC.
   */
  codec?: CodecName;
  /** Failure detection on peer links. Default: heartbeats every 100 ms, down after COCYTUS_FAILURE_TIMEOUT_MS (default 3000) of silence. */
  detection?: FailureDetection;
  /** How long a data process keeps dialing its parity processes at start (default 30 s). */
  connectDeadlineMs?: number;
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
}

const MiB = 1024 * 1024;

/**
 * 3 s rather than the peer layer's 1 s: a data process that wrongly declares a parity process
 * down goes on without it for good (there is no re-protection yet), and on a loaded 2-core machine
 * running 25 processes, 1 s stalls happen (measured: the 16 KB memory load lost links at 1 s).
 */
const DEFAULT_FAILURE_TIMEOUT_MS = 3000;

/** Failure detection from the flags, else COCYTUS_FAILURE_TIMEOUT_MS, else the defaults. */
function detectionFrom(options: ServerOptions): FailureDetection {
  const fromEnvironment = process.env.COCYTUS_FAILURE_TIMEOUT_MS;
  const timeoutMs = options.failureTimeoutMs ?? (fromEnvironment === undefined ? DEFAULT_FAILURE_TIMEOUT_MS : Number(fromEnvironment));
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 200)) throw new UsageError(`cocytus: COCYTUS_FAILURE_TIMEOUT_MS must be a whole number of milliseconds of at least 200, found ${fromEnvironment}`);
  return { heartbeatMs: options.heartbeatMs ?? 100, timeoutMs };
}

function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`--mode cocytus needs ${flag}`);
  return value;
}

export async function startCocytusServer(options: CocytusServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const peers = required(options.peers, "--peers (every member's host:peer-port, in index order)");
  const config: GroupConfig = {
    group: required(options.group, "--group"),
    index: required(options.index, "--index"),
    k: required(options.k, "--k"),
    m: required(options.m, "--m"),
    members: peers.map((peer) => ({ host: peer.host, peerPort: peer.port })),
    detection: options.detection ?? detectionFrom(options),
    connectDeadlineMs: options.connectDeadlineMs ?? 30_000,
  };
  try {
    checkGroupConfig(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const self = config.members[config.index];
  const peerPort = required(options.peerPort, "--peer-port");
  if (self.peerPort !== peerPort) {
    throw new UsageError(`cocytus: --peer-port ${peerPort} must equal this member's entry in --peers (index ${config.index}: ${self.host}:${self.peerPort})`);
  }
  const codecName = options.codec ?? (process.env.COCYTUS_CODEC as CodecName | undefined) ?? DEFAULT_CODEC;
  if (!CODEC_NAMES.includes(codecName)) throw new UsageError(`cocytus: the codec must be one of ${CODEC_NAMES.join(", ")}, found ${String(codecName)}`);
  const memoryBytes = options.memoryMb * MiB;
  const storeOptions = { memoryBytes, maxValueBytes: options.maxItemSize };

  let settings: RecoverySettings;
  try {
    // Flags win over the environment (COCYTUS_RECOVERY, COCYTUS_GROUPS, COCYTUS_REPAIR_BATCH_PAGES).
    const fromEnvironment = recoverySettingsFrom();
    settings = {
      mode: options.recovery ?? fromEnvironment.mode,
      groups: options.groups ?? fromEnvironment.groups,
      batchPages: options.repairBatchPages ?? fromEnvironment.batchPages,
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  let member: DataMember | ParityMember;
  let listener: MemcachedListener;
  let recovery: DataRecovery | ParityRecovery;
  if (config.index < config.k) {
    const dataMember = await DataMember.start(config, new Store(storeOptions), log);
    const dataRecovery = DataRecovery.attach(config, dataMember, log);
    recovery = dataRecovery;
    const ownership: Ownership | undefined =
      options.groups === undefined ? undefined : { shape: { mode: "cocytus", groups: options.groups, k: config.k }, group: config.group, member: config.index };
    member = dataMember;
    listener = await listenOrClose(member, { host: options.host, port: options.port, backend: dataRecovery.backend(dataBackend(dataMember.dataProcess, ownership)), maxItemSize: options.maxItemSize });
  } else {
    const codec = await createCodec(codecName, config.k, config.m);
    // Metadata replicas keep no key table: every Update names its record (parity-process.ts).
    const replicas = Array.from({ length: config.k }, () => new Store({ ...storeOptions, keyTable: false }));
    const parityArea = new DataArea({ capacityBytes: Math.ceil(memoryBytes / PAGE_SIZE) * PAGE_SIZE, chunkBytes: replicas[0].dataArea.chunkBytes });
    const parityMember = await ParityMember.start(config, codec, replicas, parityArea, log);
    member = parityMember;
    const { mode, batchPages } = settings;
    const parityRecovery = ParityRecovery.attach({ config, member: parityMember, codec, mode, batchPages, itemSize: options.maxItemSize, groups: options.groups ?? settings.groups, log });
    recovery = parityRecovery;
    listener = await listenOrClose(member, { host: options.host, port: options.port, backend: parityRecovery.backend(parityBackend(parityMember.parityProcess)), maxItemSize: options.maxItemSize });
  }
  recovery.setClientAddress(listener.host, listener.port);
  return {
    host: listener.host,
    port: listener.port,
    close: async () => {
      recovery.close();
      member.close();
      await listener.close();
    },
  };
}

async function listenOrClose(member: DataMember | ParityMember, options: Parameters<typeof listenMemcached>[0]): Promise<MemcachedListener> {
  try {
    return await listenMemcached(options);
  } catch (error) {
    member.close();
    throw error;
  }
}
