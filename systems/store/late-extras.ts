import { releaseBuffer } from "../runtime/release-buffer.ts";

/**
 * Flags and exptime of the records that were written without them (both 0, so the record
 * has no room for them) and got them later, from a touch or an overwrite with flags. Moving
 * such a record to a larger slot would change its ref, the handle callers hold, so its extras
 * live here instead: an open-addressing table in one Uint32Array, three words a slot
 * (ref + 1, 0 = empty; flags; exptime), linear probing, backward-shift deletion, doubled at
 * 3/4 full. It is empty in the usual case: records written with flags or an exptime carry them.
 */
export class LateExtras {
  private table = new Uint32Array(3 * 16);
  private itemCount = 0;

  get count(): number {
    return this.itemCount;
  }

  get byteLength(): number {
    return this.table.byteLength;
  }

  /** The slot holding ref, or -1. */
  private find(ref: number): number {
    const { table } = this;
    const mask = table.length / 3 - 1;
    for (let slot = homeOf(ref, mask); ; slot = (slot + 1) & mask) {
      const entry = table[3 * slot];
      if (entry === 0) return -1;
      if (entry === ref + 1) return slot;
    }
  }

  flags(ref: number): number {
    const slot = this.find(ref);
    return slot < 0 ? 0 : this.table[3 * slot + 1];
  }

  exptime(ref: number): number {
    const slot = this.find(ref);
    return slot < 0 ? 0 : this.table[3 * slot + 2];
  }

  /** Sets ref's extras; both 0 removes its entry. */
  set(ref: number, flags: number, exptime: number): void {
    if (flags === 0 && exptime === 0) {
      this.delete(ref);
      return;
    }
    let slot = this.find(ref);
    if (slot < 0) {
      if ((this.itemCount + 1) * 4 > (this.table.length / 3) * 3) this.resize(2 * (this.table.length / 3));
      slot = this.place(ref);
      this.itemCount++;
    }
    this.table[3 * slot + 1] = flags;
    this.table[3 * slot + 2] = exptime;
  }

  delete(ref: number): void {
    const { table } = this;
    const mask = table.length / 3 - 1;
    let hole = this.find(ref);
    if (hole < 0) return;
    for (let next = (hole + 1) & mask; table[3 * next] !== 0; next = (next + 1) & mask) {
      const home = homeOf(table[3 * next] - 1, mask);
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        table.copyWithin(3 * hole, 3 * next, 3 * next + 3);
        hole = next;
      }
    }
    table.fill(0, 3 * hole, 3 * hole + 3);
    this.itemCount--;
  }

  clear(): void {
    releaseBuffer(this.table.buffer as ArrayBuffer);
    this.table = new Uint32Array(3 * 16);
    this.itemCount = 0;
  }

  private place(ref: number): number {
    const { table } = this;
    const mask = table.length / 3 - 1;
    let slot = homeOf(ref, mask);
    while (table[3 * slot] !== 0) slot = (slot + 1) & mask;
    table[3 * slot] = ref + 1;
    return slot;
  }

  private resize(slots: number): void {
    const old = this.table;
    this.table = new Uint32Array(3 * slots);
    for (let i = 0; i < old.length; i += 3) {
      if (old[i] === 0) continue;
      const slot = this.place(old[i] - 1);
      this.table[3 * slot + 1] = old[i + 1];
      this.table[3 * slot + 2] = old[i + 2];
    }
    releaseBuffer(old.buffer as ArrayBuffer);
  }
}

/** Refs are record offsets / 8, often close together: murmur3's finalizer spreads them. */
function homeOf(ref: number, mask: number): number {
  let h = ref + 1;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & mask;
}
