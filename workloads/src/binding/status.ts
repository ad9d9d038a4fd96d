/**
 * The outcome of one database operation, named as YCSB's `site.ycsb.Status` names them, so that
 * the text report's `Return=OK` / `Return=NOT_FOUND` lines read the same as YCSB's.
 */
export type Status = "OK" | "NOT_FOUND" | "ERROR" | "NOT_IMPLEMENTED" | "UNEXPECTED_STATE" | "BAD_REQUEST" | "SERVICE_UNAVAILABLE";

/** True for the statuses YCSB counts as success (its `Status.isOk()`). */
export function isOk(status: Status): boolean {
  return status === "OK";
}
