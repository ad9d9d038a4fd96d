// YCSB's ConstantIntegerGenerator: always the same value (the default field length).

import { NumberGenerator } from "./number-generator.ts";

export class ConstantIntegerGenerator extends NumberGenerator {
  constructor(readonly value: number) {
    super();
  }

  override nextValue(): number {
    return this.value;
  }

  override mean(): number {
    return this.value;
  }
}
