// YCSB's configuration: Java .properties files (`-P file`, read unchanged) plus `-p name=value`
// overrides, which win over every file as in YCSB's Client. Typed readers refuse bad values with
// an error that names the property, where it was set, the value found and what was expected.

import { readFileSync } from "node:fs";

/** A bad property value or file; the message says where, what was found and what was expected. */
export class PropertyError extends Error {
  override name = "PropertyError";
}

interface Entry {
  value: string;
  /** Where the value was set: `workloads/workloada line 22` or `-p readproportion=abc`. */
  where: string;
}

export class Properties {
  private readonly entries = new Map<string, Entry>();

  /** Properties from Java .properties text; `origin` names the text in messages (a file name). */
  static parse(text: string, origin: string): Properties {
    const props = new Properties();
    props.loadText(text, origin);
    return props;
  }

  /** YCSB's command line: every `-P` file in order, then every `-p name=value` on top. */
  static fromCommandLine(files: readonly string[], overrides: readonly string[] = []): Properties {
    const props = new Properties();
    for (const file of files) props.loadFile(file);
    for (const override of overrides) props.setOverride(override);
    return props;
  }

  /** Reads a .properties file (ISO-8859-1, as Java's Properties.load(InputStream)). */
  loadFile(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, "latin1");
    } catch (error) {
      throw new PropertyError(`cannot read property file ${path}: ${(error as Error).message}`);
    }
    this.loadText(text, path);
  }

  loadText(text: string, origin: string): void {
    for (const { key, value, line } of parseJavaProperties(text, origin)) {
      this.entries.set(key, { value, where: `${origin} line ${line}` });
    }
  }

  /** A `-p name=value` argument: split at the first '=', as YCSB does. */
  setOverride(argument: string): void {
    const eq = argument.indexOf("=");
    if (eq <= 0) {
      throw new PropertyError(`-p ${argument}: expected name=value, found ${eq === 0 ? "no name" : "no '='"}`);
    }
    const name = argument.slice(0, eq);
    this.entries.set(name, { value: argument.slice(eq + 1), where: `-p ${argument}` });
  }

  set(name: string, value: string, where = "set in code"): void {
    this.entries.set(name, { value, where });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The raw string, exactly as Java's getProperty returns it. */
  get(name: string): string | undefined {
    return this.entries.get(name)?.value;
  }

  /** Where a property was set, for messages ("default" when it was not). */
  where(name: string): string {
    return this.entries.get(name)?.where ?? "default";
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** All properties as a plain object (for experiment.json and reports). */
  toObject(): Record<string, string> {
    return Object.fromEntries([...this.entries].map(([name, entry]) => [name, entry.value]));
  }

  getString(name: string, fallback: string): string {
    return this.get(name) ?? fallback;
  }

  /** One of `choices`; surrounding whitespace is ignored (Java would keep it and then fail). */
  getChoice<C extends string>(name: string, fallback: C, choices: readonly C[]): C {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const value = raw.trim();
    if ((choices as readonly string[]).includes(value)) return value as C;
    throw this.error(name, raw, `one of ${choices.join(", ")}`);
  }

  /** A Java int (Integer.parseInt) within [min, max]. */
  getInt(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    return this.getInteger(name, fallback, Math.max(range.min ?? -2147483648, -2147483648), Math.min(range.max ?? 2147483647, 2147483647), "an integer");
  }

  /** A Java long (Long.parseLong) within [min, max]; limited to ±2^53 here, where numbers stay exact. */
  getLong(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    return this.getInteger(name, fallback, range.min ?? Number.MIN_SAFE_INTEGER, range.max ?? Number.MAX_SAFE_INTEGER, "an integer");
  }

  /** A finite decimal number (Double.parseDouble) within [min, max]. */
  getDouble(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const text = raw.trim();
    const value = DECIMAL.test(text) ? Number(text.replace(/[fFdD]$/, "")) : Number.NaN;
    const min = range.min ?? -Number.MAX_VALUE;
    const max = range.max ?? Number.MAX_VALUE;
    if (!Number.isFinite(value) || value < min || value > max) {
      throw this.error(name, raw, `a number${describeRange(min, max, -Number.MAX_VALUE, Number.MAX_VALUE)}`);
    }
    return value;
  }

  /** true or false (any case). Java's parseBoolean reads anything else as false; we refuse it. */
  getBoolean(name: string, fallback: boolean): boolean {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const text = raw.trim().toLowerCase();
    if (text === "true") return true;
    if (text === "false") return false;
    throw this.error(name, raw, "true or false");
  }

  /**
   * One warning per property whose name is not in `known` (a typo would otherwise be ignored
   * silently, as YCSB does), with the closest known name when one is near.
   */
  unknownPropertyWarnings(known: Iterable<string>): string[] {
    const knownNames = [...known];
    const knownSet = new Set(knownNames);
    const warnings: string[] = [];
    for (const [name, entry] of this.entries) {
      if (knownSet.has(name)) continue;
      const suggestion = closest(name, knownNames);
      warnings.push(`${entry.where}: unknown property "${name}" (ignored)${suggestion ? `; did you mean "${suggestion}"?` : ""}`);
    }
    return warnings;
  }

  /** A PropertyError for a bad value: `<where>: <name> must be <expected>, found "<value>"`. */
  error(name: string, value: string, expected: string): PropertyError {
    return new PropertyError(`${this.where(name)}: ${name} must be ${expected}, found "${value}"`);
  }

  private getInteger(name: string, fallback: number, min: number, max: number, what: string): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const text = raw.trim();
    const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw this.error(name, raw, `${what}${describeRange(min, max, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)}`);
    }
    return value;
  }
}

// What Double.parseDouble accepts in decimal form (hex floats, NaN and Infinity are refused).
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/;

function describeRange(min: number, max: number, lowest: number, highest: number): string {
  const hasMin = min > lowest;
  const hasMax = max < highest;
  if (hasMin && hasMax) return ` between ${min} and ${max}`;
  if (hasMin) return min === 0 ? " ≥ 0" : ` ≥ ${min}`;
  if (hasMax) return ` ≤ ${max}`;
  return "";
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

export interface PropertyLine {
  key: string;
  value: string;
  /** The natural line (1-based) where the logical line starts. */
  line: number;
}

const WHITESPACE = new Set([" ", "\t", "\f"]);

/**
 * java.util.Properties.load syntax: `#` and `!` comments, `key=value`, `key: value` or `key value`,
 * a backslash at the end of a line continues it (the next line's leading whitespace dropped),
 * and the escapes \t \n \r \f \uXXXX (any other escaped character stands for itself).
 */
export function parseJavaProperties(text: string, origin: string): PropertyLine[] {
  const naturalLines = text.split(/\r\n|\r|\n/);
  const result: PropertyLine[] = [];
  let i = 0;
  while (i < naturalLines.length) {
    const startLine = i + 1;
    let line = stripLeadingWhitespace(naturalLines[i++]);
    if (line === "" || line[0] === "#" || line[0] === "!") continue;
    // Join continuation lines: an odd number of trailing backslashes.
    while (endsWithContinuation(line) && i < naturalLines.length) {
      const next = stripLeadingWhitespace(naturalLines[i++]);
      line = line.slice(0, -1) + next;
      if (next === "") break;
    }
    if (endsWithContinuation(line)) line = line.slice(0, -1);
    result.push({ ...splitKeyValue(line, `${origin} line ${startLine}`), line: startLine });
  }
  return result;
}

function stripLeadingWhitespace(line: string): string {
  let start = 0;
  while (start < line.length && WHITESPACE.has(line[start])) start++;
  return line.slice(start);
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let j = line.length - 1; j >= 0 && line[j] === "\\"; j--) backslashes++;
  return backslashes % 2 === 1;
}

function splitKeyValue(line: string, where: string): { key: string; value: string } {
  let keyEnd = 0;
  let valueStart = line.length;
  let hasSeparator = false;
  let precedingBackslash = false;
  while (keyEnd < line.length) {
    const c = line[keyEnd];
    if ((c === "=" || c === ":") && !precedingBackslash) {
      valueStart = keyEnd + 1;
      hasSeparator = true;
      break;
    }
    if (WHITESPACE.has(c) && !precedingBackslash) {
      valueStart = keyEnd + 1;
      break;
    }
    precedingBackslash = c === "\\" ? !precedingBackslash : false;
    keyEnd++;
  }
  while (valueStart < line.length) {
    const c = line[valueStart];
    if (!WHITESPACE.has(c)) {
      if (!hasSeparator && (c === "=" || c === ":")) hasSeparator = true;
      else break;
    }
    valueStart++;
  }
  return { key: unescape(line.slice(0, keyEnd), where), value: unescape(line.slice(valueStart), where) };
}

function unescape(text: string, where: string): string {
  if (!text.includes("\\")) return text;
  let out = "";
  for (let j = 0; j < text.length; j++) {
    const c = text[j];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text[++j];
    if (e === "u") {
      const hex = text.slice(j + 1, j + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertyError(`${where}: malformed \\uxxxx escape, found "\\u${hex}"`);
      out += String.fromCharCode(parseInt(hex, 16));
      j += 4;
    } else if (e === "t") out += "\t";
    else if (e === "r") out += "\r";
    else if (e === "n") out += "\n";
    else if (e === "f") out += "\f";
    else if (e !== undefined) out += e;
  }
  return out;
}
