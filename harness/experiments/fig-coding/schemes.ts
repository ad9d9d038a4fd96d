/**
 * The coding schemes fig-coding compares: k data + m parity processes per group, k + m = 5 (one
 * member per node). The paper names a scheme by k and the group size, RS(k, 5); we name it RS(k, m).
 */
import type { Variant } from "../fig-throughput/measurement.ts";

export interface Scheme extends Variant {
  k: number;
  m: number;
  /** The paper's name, RS(k, k + m). */
  paperName: string;
}

function scheme(k: number, m: number): Scheme {
  return { label: `RS(${k},${m})`, system: "cocytus", k, m, paperName: `RS(${k},${k + m})` };
}

export const schemes: readonly Scheme[] = [scheme(2, 3), scheme(3, 2), scheme(4, 1)];

/** The default scheme (DESIGN section 3), which the others are compared with. */
export const defaultScheme = "RS(3,2)";

/** Ideal memory per value byte of the coded values alone: (k + m) / k. */
export function idealValueOverhead(s: { k: number; m: number }): number {
  return (s.k + s.m) / s.k;
}

export function schemeByLabel(label: string): Scheme | undefined {
  return schemes.find((s) => s.label === label);
}
