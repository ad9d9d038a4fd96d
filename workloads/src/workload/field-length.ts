// YCSB's CoreWorkload.getFieldLengthGenerator: the distribution of field (value) lengths.
// constant → fieldlength; uniform → [minfieldlength, fieldlength]; zipfian → ZipfianGenerator(
// minfieldlength, fieldlength), so minfieldlength is the most common length (its constructor
// draws once); histogram → the file named by fieldlengthhistogram.

import type { SplittableRandom } from "../random/splittable-random.ts";
import { ConstantIntegerGenerator } from "../generators/constant-integer-generator.ts";
import { HistogramGenerator } from "../generators/histogram-generator.ts";
import type { NumberGenerator } from "../generators/number-generator.ts";
import { UniformLongGenerator } from "../generators/uniform-long-generator.ts";
import { ZipfianGenerator } from "../generators/zipfian-generator.ts";
import type { Properties } from "./properties.ts";

export const FIELD_LENGTH_DISTRIBUTIONS = ["constant", "uniform", "zipfian", "histogram"] as const;
export type FieldLengthDistribution = (typeof FIELD_LENGTH_DISTRIBUTIONS)[number];

export interface FieldLengthGenerator {
  distribution: FieldLengthDistribution;
  generator: NumberGenerator;
  /** The longest field it can produce (sizes buffers). */
  maxLength: number;
}

export function createFieldLengthGenerator(props: Properties, random: SplittableRandom): FieldLengthGenerator {
  const distribution = props.getChoice("fieldlengthdistribution", "constant", FIELD_LENGTH_DISTRIBUTIONS);
  const fieldLength = props.getInt("fieldlength", 100, { min: 0 });
  const minFieldLength = props.getInt("minfieldlength", 1, { min: 0 });
  if ((distribution === "uniform" || distribution === "zipfian") && minFieldLength > fieldLength) {
    throw props.error(
      "minfieldlength",
      String(minFieldLength),
      `at most fieldlength (${fieldLength}) for fieldlengthdistribution=${distribution}`,
    );
  }
  switch (distribution) {
    case "constant":
      return { distribution, generator: new ConstantIntegerGenerator(fieldLength), maxLength: fieldLength };
    case "uniform":
      return { distribution, generator: new UniformLongGenerator(random, minFieldLength, fieldLength), maxLength: fieldLength };
    case "zipfian":
      return { distribution, generator: new ZipfianGenerator(random, minFieldLength, fieldLength), maxLength: fieldLength };
    case "histogram": {
      const file = props.getString("fieldlengthhistogram", "hist.txt").trim();
      const generator = HistogramGenerator.fromFile(random, file);
      return { distribution, generator, maxLength: generator.maxValue };
    }
  }
}
