import { murmur3_32 } from "./murmur3.ts";

/** The three server modes. */
export type Mode = "plain" | "pbr" | "cocytus";

/** Where a key lives: the group (pbr, cocytus) and, in cocytus, the data process within it. */
export interface Route {
  /** plain: the process number; pbr and cocytus: the group number. */
  group: number;
  /** cocytus: data process index 0..k-1 within the group; 0 otherwise. */
  member: number;
}

/** How many processes or groups a mode routes over. */
export interface RoutingShape {
  mode: Mode;
  /** plain: number of processes (15); pbr and cocytus: number of groups G. */
  groups: number;
  /** cocytus: data processes per group (k); ignored otherwise. */
  k?: number;
}

/**
 * The routing contract (DESIGN section 3): h = MurmurHash3_x86_32(key, seed 0);
 * plain: process h mod P; pbr: group h mod G; cocytus: group h mod G, data process floor(h / G) mod k.
 */
export function route(key: Uint8Array, shape: RoutingShape, start = 0, end = key.length): Route {
  const h = murmur3_32(key, 0, start, end);
  const group = h % shape.groups;
  if (shape.mode !== "cocytus") return { group, member: 0 };
  const k = shape.k ?? 3;
  return { group, member: Math.floor(h / shape.groups) % k };
}

/** Routes a key given as a string (UTF-8 bytes, as memcached clients send them). */
export function routeKey(key: string, shape: RoutingShape): Route {
  return route(Buffer.from(key, "utf8"), shape);
}
