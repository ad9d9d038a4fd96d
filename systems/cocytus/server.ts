/**
 * A Cocytus server process: one member of one group (a data process for index < k, a parity
 * process otherwise). The shared server entry calls startCocytusServer with the parsed
 * `--mode cocytus --group G --index I --k K --m M --host H --port P --peer-port Q --peers …`.
 *
 * Start order within a group does not matter: a parity process listens for its data processes;
 * a data process keeps dialing the parity processes until connectDeadlineMs, and opens its
 * client port only once every parity process is linked (so "port open" means "ready").
 */
import type { Server } from "node:net";
import { CODEC_NAMES, DEFAULT_CODEC, PAGE_SIZE, createCodec, type CodecName } from "../codec/codec.ts";
import type { FailureDetection } from "../peer/index.ts";
import { MemcachedEngine } from "../protocol/engine.ts";
import { DataArea, Store } from "../store/index.ts";
import { dataBackend, parityBackend, type Ownership } from "./backend.ts";
import { listenClients } from "./client-listener.ts";
import { DataMember } from "./data-member.ts";
import { checkGroupConfig, parsePeers, type GroupConfig } from "./group-config.ts";
import { ParityMember } from "./parity-member.ts";

export interface CocytusServerOptions {
  group: number;
  /** 0..k-1 data processes, k..k+m-1 parity processes. */
  index: number;
  k: number;
  m: number;
  /** Client (memcached protocol) address. */
  host: string;
  port: number;
  /** This process's peer port (also listed in peers at its index). */
  peerPort: number;
  /** Every member's host:peerPort in index order, comma-separated (or as a list). */
  peers: string | string[];
  /** Data area size in MiB (memcached's -m); parity areas and replicas use the same. Default 1024. */
  memoryMb?: number;
  /** Largest value in bytes (memcached's -I). Default 1 MiB. */
  maxItemSize?: number;
  /** Erasure codec of the group (every member must use the same). Default DEFAULT_CODEC. */
  codec?: CodecName;
  /** Number of groups in the deployment: with it, a data process refuses keys it does not own. */
  groups?: number;
  detection?: FailureDetection;
  connectDeadlineMs?: number;
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
}

export interface CocytusServer {
  role: "data" | "parity";
  /** The client port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

export async function startCocytusServer(options: CocytusServerOptions): Promise<CocytusServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const members = parsePeers(Array.isArray(options.peers) ? options.peers.join(",") : options.peers);
  const config: GroupConfig = {
    group: options.group,
    index: options.index,
    k: options.k,
    m: options.m,
    members,
    detection: options.detection,
    connectDeadlineMs: options.connectDeadlineMs ?? 30_000,
  };
  checkGroupConfig(config);
  const self = members[options.index];
  if (self.peerPort !== options.peerPort) {
    throw new Error(`cocytus: --peer-port ${options.peerPort} must equal this member's entry in --peers (index ${options.index}: ${self.host}:${self.peerPort})`);
  }
  const codecName = options.codec ?? DEFAULT_CODEC;
  if (!CODEC_NAMES.includes(codecName)) throw new Error(`cocytus: --codec must be one of ${CODEC_NAMES.join(", ")}, found ${String(codecName)}`);
  const memoryMb = options.memoryMb ?? 1024;
  if (!(Number.isInteger(memoryMb) && memoryMb >= 1)) throw new Error(`cocytus: --memory must be a positive whole number of MiB, found ${memoryMb}`);
  const memoryBytes = memoryMb * MiB;
  const maxItemSize = options.maxItemSize ?? MiB;
  const storeOptions = { memoryBytes, maxValueBytes: maxItemSize };

  let engine: MemcachedEngine;
  let member: DataMember | ParityMember;
  const role = options.index < options.k ? "data" : "parity";
  if (role === "data") {
    const dataMember = await DataMember.start(config, new Store(storeOptions), log);
    const ownership: Ownership | undefined =
      options.groups === undefined ? undefined : { shape: { mode: "cocytus", groups: options.groups, k: options.k }, group: options.group, member: options.index };
    engine = new MemcachedEngine({ backend: dataBackend(dataMember.dataProcess, ownership), maxItemSize });
    member = dataMember;
  } else {
    const codec = await createCodec(codecName, options.k, options.m);
    const replicas = Array.from({ length: options.k }, () => new Store(storeOptions));
    const parityArea = new DataArea({ capacityBytes: Math.ceil(memoryBytes / PAGE_SIZE) * PAGE_SIZE, chunkBytes: replicas[0].dataArea.chunkBytes });
    const parityMember = await ParityMember.start(config, codec, replicas, parityArea, log);
    engine = new MemcachedEngine({ backend: parityBackend(parityMember.parityProcess), maxItemSize });
    member = parityMember;
  }
  let clients: Server;
  try {
    clients = await listenClients(engine, options.host, options.port);
  } catch (error) {
    member.close();
    throw error;
  }
  const address = clients.address();
  return {
    role,
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: async () => {
      engine.close();
      member.close();
      await new Promise<void>((resolve) => clients.close(() => resolve()));
    },
  };
}
