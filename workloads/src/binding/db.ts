import type { Status } from "./status.ts";

/**
 * The field/value pairs of one record, as YCSB's `Map<String, ByteIterator>`. Bindings that store a
 * record as one blob (memcached) concatenate the fields in iteration order.
 */
export type RecordValues = Map<string, Uint8Array>;

/**
 * A database binding, shaped like YCSB's `site.ycsb.DB`: one instance per logical client, every
 * operation resolves to a Status (never rejects for a server-side failure).
 * `fields === null` means all fields; `result` (when given) receives what was read.
 */
export interface DB {
  init(): Promise<void>;
  cleanup(): Promise<void>;
  read(table: string, key: string, fields: ReadonlySet<string> | null, result: Map<string, Uint8Array> | null): Promise<Status>;
  scan(table: string, startKey: string, recordCount: number, fields: ReadonlySet<string> | null, result: Array<Map<string, Uint8Array>> | null): Promise<Status>;
  update(table: string, key: string, values: RecordValues): Promise<Status>;
  insert(table: string, key: string, values: RecordValues): Promise<Status>;
  delete(table: string, key: string): Promise<Status>;
}
