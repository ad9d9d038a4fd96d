/** CSV files of results: written with csv-stringify, read back with a small RFC 4180 parser. */
import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { stringify } from "csv-stringify/sync";

export type CsvRow = Record<string, string | number | boolean | null | undefined>;

/** Renders rows as CSV with a header line; `columns` fixes the order (and the header). */
export function toCsv(rows: CsvRow[], columns: string[]): string {
  return stringify(rows, { header: true, columns, cast: { boolean: (value) => String(value) } });
}

export async function writeCsv(path: string, rows: CsvRow[], columns: string[]): Promise<void> {
  await writeFile(path, toCsv(rows, columns));
}

/**
 * Appends rows to a CSV file, writing the header first when the file is new.
 * An existing file must have the same header, or the append is refused.
 */
export async function appendCsv(path: string, rows: CsvRow[], columns: string[]): Promise<void> {
  if (!(await fileExists(path))) {
    await writeCsv(path, rows, columns);
    return;
  }
  const header = parseCsv(await readFile(path, "utf8"))[0] ?? [];
  if (header.join(",") !== columns.join(",")) {
    throw new Error(`${path}: expected the header ${columns.join(",")}, found ${header.join(",")}; move the old file aside to start a new one`);
  }
  await appendFile(path, stringify(rows, { header: false, columns, cast: { boolean: (value) => String(value) } }));
}

/** Whether a results file is there yet (a missing one is new, not an error). */
export function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Parses CSV text into rows of fields (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Reads a CSV file with a header into records keyed by column name; throws naming the file and line. */
export async function readCsvRecords(path: string): Promise<Record<string, string>[]> {
  const [header, ...rows] = parseCsv(await readFile(path, "utf8"));
  if (!header) return [];
  return rows.map((fields, i) => {
    if (fields.length !== header.length) {
      throw new Error(`${path}:${i + 2}: expected ${header.length} fields (${header.join(",")}), found ${fields.length}`);
    }
    return Object.fromEntries(header.map((name, j) => [name, fields[j]]));
  });
}
