/**
 * A run folder: results/<name>/<timestamp>/ with raw/ inside, and results/<name>/latest
 * pointing at the newest run.
 */
import { mkdir, rename, symlink, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeCsv, type CsvRow } from "../report/csv.ts";

let writeCounter = 0;

export class RunFolder {
  private constructor(
    /** Absolute or cwd-relative path of the run folder. */
    readonly path: string,
    /** The timestamp that names the folder. */
    readonly id: string,
  ) {}

  /** Creates results/<name>/<timestamp>/raw and points results/<name>/latest at it. */
  static async create(out: string, name: string, now = new Date()): Promise<RunFolder> {
    const parent = join(out, name);
    await mkdir(parent, { recursive: true });
    const stamp = timestamp(now);
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = attempt === 0 ? stamp : `${stamp}-${attempt + 1}`;
      try {
        await mkdir(join(parent, id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
        throw error;
      }
      const folder = new RunFolder(join(parent, id), id);
      await mkdir(folder.file("raw"));
      await pointLatest(parent, id);
      return folder;
    }
    throw new Error(`${parent}: could not create a run folder for ${stamp} (100 folders with that timestamp exist)`);
  }

  /** Opens an existing run folder (for --render). */
  static open(path: string): RunFolder {
    return new RunFolder(path, path.split("/").filter(Boolean).pop() ?? path);
  }

  file(relative: string): string {
    return join(this.path, relative);
  }

  async writeJson(relative: string, value: unknown): Promise<void> {
    await this.writeText(relative, JSON.stringify(value, null, 2) + "\n");
  }

  /**
   * Writes through a temporary file renamed over the target: a process that exits mid-write
   * (Ctrl-C's exit 130 racing the run's last record) leaves the old file, never an empty one.
   */
  async writeText(relative: string, text: string): Promise<void> {
    const target = this.file(relative);
    await mkdir(dirname(target), { recursive: true });
    const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.${++writeCounter}`);
    await writeFile(temporary, text);
    await rename(temporary, target);
  }

  async writeCsv(relative: string, rows: CsvRow[], columns: string[]): Promise<void> {
    await writeCsv(this.file(relative), rows, columns);
  }
}

/** 2026-11-22T02:24:01.123Z -> "2026-11-22T02-24-01Z" (sorts by time, safe in paths). */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
}

/** Replaces <parent>/latest with a relative symlink to <id>, atomically (rename over it). */
async function pointLatest(parent: string, id: string): Promise<void> {
  const temporary = join(parent, `.latest-${process.pid}`);
  await unlink(temporary).catch(() => undefined);
  await symlink(id, temporary);
  await rename(temporary, join(parent, "latest"));
}
