import type { Status } from "./status.ts";

/**
 * A database binding, shaped like YCSB's `site.ycsb.DB`: one instance per logical client, one
 * operation in flight at a time, every operation resolves to a Status (it never rejects for a
 * server-side failure). `fields === null` means all fields; `result`, when given, receives what
 * was read. Writes give the record's length, not its bytes: the binding writes its own verifiable
 * bytes (see value-format.ts), as the core workload decides only how many bytes a record has.
 */
export interface DB {
  init(): Promise<void>;
  cleanup(): Promise<void>;
  read(table: string, key: string, fields: ReadonlySet<string> | null, result: Map<string, Uint8Array> | null): Promise<Status>;
  scan(table: string, startKey: string, recordCount: number, fields: ReadonlySet<string> | null, result: Array<Map<string, Uint8Array>> | null): Promise<Status>;
  /** Replaces the record's value with `valueLength` bytes. */
  update(table: string, key: string, valueLength: number): Promise<Status>;
  /** Stores a new record of `valueLength` bytes. */
  insert(table: string, key: string, valueLength: number): Promise<Status>;
  delete(table: string, key: string): Promise<Status>;
}
