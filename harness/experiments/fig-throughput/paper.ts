/**
 * What the paper says about throughput, latency, CPU and coding schemes, each with its source
 * (DESIGN section 11 and its caveat: slides, abstract, a secondary summary), and the targets
 * DESIGN section 12 sets for this project.
 */
import type { ReadRatio } from "./plan.ts";

export const sources = {
  slidesCpu: "FAST'16 slides, \"CPU Overhead\" table",
  slides: "FAST'16 slides",
  design11: "DESIGN §11 (the paper's abstract and a secondary summary)",
  design12: "DESIGN §12 (targets for this project)",
} as const;

export const paperClaims = {
  throughput: { text: "Cocytus close to PBR and Memcached; cost mostly on writes", source: sources.design11 },
  latency: { text: "write latency is where Cocytus pays", source: sources.design11 },
  coding: { text: "RS(4,1) least memory; RS(2,3) worst write latency; throughput similar", source: sources.design11 },
  setup: { text: "5 server nodes, 10 Gb/s; one client node with 20 cores running YCSB with 80 threads", source: sources.slides },
} as const;

/** DESIGN §12: cocytus / pbr throughput in the same run. */
export const cocytusVsPbrTargets: Partial<Record<ReadRatio, number>> = { 95: 0.95, 50: 0.85 };

/** The paper's Table 2 roles, and which of our process roles each sums. */
export interface PaperCpuRole {
  system: "memcached" | "pbr" | "cocytus";
  /** Our process role (memcached's processes count as role "memcached"). */
  role: string;
  label: string;
  processes: number;
  /** % of one CPU, summed over the role's processes, per read ratio. */
  percent: Record<ReadRatio, number>;
}

/** Table 2 of the paper (the slides' "CPU Overhead"): % of one CPU, summed over each role's processes. */
export const paperCpuTable: readonly PaperCpuRole[] = [
  { system: "memcached", role: "memcached", label: "Memcached (15 processes)", processes: 15, percent: { 50: 231, 95: 228, 100: 222 } },
  { system: "pbr", role: "primary", label: "PBR primaries (15)", processes: 15, percent: { 50: 439, 95: 234, 100: 230 } },
  { system: "pbr", role: "backup", label: "PBR backups (30)", processes: 30, percent: { 50: 189, 95: 60, 100: 21 } },
  { system: "cocytus", role: "data", label: "Cocytus data processes (15)", processes: 15, percent: { 50: 802, 95: 256, 100: 223 } },
  { system: "cocytus", role: "parity", label: "Cocytus parity processes (10)", processes: 10, percent: { 50: 255, 95: 54, 100: 15 } },
];
