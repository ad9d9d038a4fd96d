import type { ProcessStatus } from "../deploy/handle.ts";
import type { ProcessInfo } from "../deploy/types.ts";

/** The process table as a JSON array, one process per line (still one JSON document). */
export function formatTable(rows: readonly ProcessInfo[]): string {
  return `[\n${rows.map((row) => `  ${JSON.stringify(row)}`).join(",\n")}\n]`;
}

/** Status rows as an aligned text table. */
export function formatStatusTable(rows: readonly ProcessStatus[]): string {
  const header = ["id", "node", "role", "group", "index", "address", "pid", "alive", "rss MB", "cpu s"];
  const cells = rows.map((r) => [r.id, String(r.node), r.role, String(r.group), String(r.index), `${r.host}:${r.port}`, String(r.pid), r.alive ? "yes" : "NO", r.alive ? (r.rssBytes / 1048576).toFixed(1) : "-", r.alive ? r.cpuSeconds.toFixed(2) : "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
