import type { ItemStore } from "../store/types.ts";
import type { Backend, Mutation } from "./backend.ts";
import { executeMutation, StoreWrites } from "./semantics.ts";

/** Plain mode's backend: every write is applied at once to the one store, and answered at once. */
export class PlainBackend implements Backend {
  private readonly writes: StoreWrites;

  constructor(
    readonly store: ItemStore,
    private readonly maxItemSize: number,
  ) {
    this.writes = new StoreWrites(store);
  }

  execute(m: Mutation): Buffer {
    return executeMutation(this.store, m, this.maxItemSize, this.writes);
  }
}
