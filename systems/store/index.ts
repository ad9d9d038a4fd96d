// The store's public surface: the plain-mode Store and the layers the replication modes build on.
export { Store, DEFAULT_MAX_VALUE_BYTES } from "./store.ts";
export type { StoreTuning } from "./store.ts";
export { DataArea, PAGE_BYTES, DEFAULT_CHUNK_BYTES } from "./data-area.ts";
export type { DataAreaOptions } from "./data-area.ts";
export { Allocator, DEFAULT_SLAB_BYTES } from "./allocator.ts";
export type { AllocatorOptions } from "./allocator.ts";
export { SizeClasses, sizeClassOf, sizeOfClass } from "./size-classes.ts";
export { BitSet } from "./bit-set.ts";
export { ItemIndex, INDEX_HASH_SEED } from "./item-index.ts";
export type { ItemIndexOptions } from "./item-index.ts";
export { ItemRecords, MAX_KEY_BYTES } from "./item-records.ts";
export type { ItemStore, StoreOptions, StoreStats } from "./types.ts";
