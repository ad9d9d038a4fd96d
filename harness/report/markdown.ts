/** Markdown helpers for summary.md files and terminal tables. */

/** A GitHub-flavoured markdown table; cells are escaped for `|`. */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const cell = (value: string | number) => String(value).replace(/\|/g, "\\|");
  const lines = [`| ${headers.map(cell).join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  return lines.join("\n");
}

/** A plain-text table with padded columns, for terminal output. */
export function textTable(headers: string[], rows: (string | number)[][]): string {
  const all = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => String(row[i] ?? "").length)));
  return all.map((row) => row.map((value, i) => String(value ?? "").padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** A number with a fixed count of decimals, or "–" when missing. */
export function fixed(value: number | undefined | null, decimals = 2): string {
  return value === undefined || value === null || !Number.isFinite(value) ? "–" : value.toFixed(decimals);
}

/** A fraction as a percentage ("33 %"), or "–" when missing. */
export function percent(fraction: number | undefined | null, decimals = 0): string {
  return fraction === undefined || fraction === null || !Number.isFinite(fraction) ? "–" : `${(fraction * 100).toFixed(decimals)} %`;
}
