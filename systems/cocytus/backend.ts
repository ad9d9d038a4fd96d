/**
 * The protocol engine's Backends for the two Cocytus roles (see systems/protocol/backend.ts).
 * A data process serves reads from its committed items and sends every write through its
 * DataProcess (the reply comes once the write is stable). A parity process holds no keys of its
 * own in normal operation: it answers reads with a miss-free error and refuses writes, but
 * reports its parity area and metadata replicas in `stats`.
 */
import type { Backend, Mutation } from "../protocol/backend.ts";
import { serverError } from "../protocol/replies.ts";
import { route, type RoutingShape } from "../routing/router.ts";
import type { ItemStore, StoreStats } from "../store/index.ts";
import type { DataProcess } from "./data-process.ts";
import type { ParityProcess } from "./parity-process.ts";

/** Where this data process sits in the routing, to refuse keys it does not own. */
export interface Ownership {
  shape: RoutingShape;
  group: number;
  /** Data index (0..k-1). */
  member: number;
}

export function dataBackend(dataProcess: DataProcess, ownership?: Ownership): Backend {
  const notOwner = ownership ? serverError(`not the owner of this key (cocytus group ${ownership.group}, data process ${ownership.member})`) : undefined;
  const owns = (key: Buffer): boolean => {
    if (ownership === undefined) return true;
    const where = route(key, ownership.shape);
    return where.group === ownership.group && where.member === ownership.member;
  };
  return {
    store: dataProcess.items,
    // The data process copies what it keeps of a request (InFlightBytes): its input can be lent.
    keepsInputViews: false,
    execute: (m: Mutation) => (m.key.length === 0 || owns(m.key) ? dataProcess.execute(m) : (notOwner as Buffer)),
    beforeRead: ownership ? (key: Buffer) => (owns(key) ? undefined : notOwner) : undefined,
    stats: () => ({
      cocytus_role: "data",
      cocytus_index: dataProcess.index,
      cocytus_rt: dataProcess.RT,
      cocytus_st: dataProcess.ST,
      cocytus_in_flight: dataProcess.inFlightCount,
      cocytus_parity_live: dataProcess.liveParityCount,
      request_buffer_bytes: dataProcess.requestBufferBytes,
      parity_bytes: 0,
      metadata_replica_bytes: 0,
    }),
  };
}

const NOT_A_DATA_PROCESS = serverError("cocytus parity process: keys are served by the data processes");

export function parityBackend(parityProcess: ParityProcess): Backend {
  return {
    store: new NoItems(),
    keepsInputViews: false,
    execute: () => NOT_A_DATA_PROCESS,
    beforeRead: () => NOT_A_DATA_PROCESS,
    stats: () => parityStats(parityProcess),
  };
}

/** A parity process's own accounting: the parity area and the metadata replicas (keys included). */
export function parityStats(parityProcess: ParityProcess): Record<string, number | string> {
  let replicaBytes = 0;
  let replicaItems = 0;
  for (const replica of parityProcess.replicas) {
    const stats = replica.stats();
    replicaBytes += stats.metadata_bytes + stats.key_bytes;
    replicaItems += stats.curr_items;
  }
  const fields: Record<string, number | string> = {
    cocytus_role: "parity",
    cocytus_index: parityProcess.k + parityProcess.parityIndex,
    parity_bytes: parityProcess.parityArea.touchedBytes,
    metadata_replica_bytes: replicaBytes,
    metadata_replica_items: replicaItems,
    request_buffer_bytes: parityProcess.bufferBytes,
  };
  for (let i = 0; i < parityProcess.k; i++) {
    fields[`cocytus_rvt_${i}`] = parityProcess.RVT[i];
    fields[`cocytus_svt_${i}`] = parityProcess.SVT[i];
  }
  return fields;
}

/** The read view of a process that holds no items. */
class NoItems implements ItemStore {
  lookup(): number {
    return -1;
  }
  value(): Buffer {
    throw new Error("cocytus parity process: no items");
  }
  valueLength(): number {
    return 0;
  }
  flags(): number {
    return 0;
  }
  exptime(): number {
    return 0;
  }
  cas(): number {
    return 0;
  }
  set(): number {
    return -1;
  }
  remove(): void {}
  touch(): void {}
  clear(): void {}
  stats(): StoreStats {
    return { curr_items: 0, bytes: 0, key_bytes: 0, metadata_bytes: 0, data_area_bytes: 0, limit_maxbytes: 0, total_items: 0 };
  }
}
