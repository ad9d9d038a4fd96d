// YCSB's CoreWorkload (site.ycsb.workloads.CoreWorkload) without the DB calls: it decides which
// operation comes next, on which key, with how many bytes, drawing from one SplittableRandom in
// the same order as YCSB does. The driver does the I/O.
//
// ─── Interface for the driver (stable; read this first) ─────────────────────────────────────
//
//   const props = Properties.fromCommandLine(["workloads/workloads/workloada"], ["recordcount=1000"]);
//   const workload = new CoreWorkload(props, new SplittableRandom(seed));   // throws PropertyError
//
//   Load phase (YCSB's doInsert), `workload.loadOperationCount` times:
//     const keynum = workload.nextLoadKeynum();          // insertstart, insertstart + 1, ...
//     const key = workload.buildKeyName(keynum);         // "user6284781860667377211" (hashed order)
//     const length = workload.nextRecordLength();        // bytes of the whole record (all fields)
//
//   Run phase (YCSB's doTransaction), `workload.operationCount` times, allocation-free:
//     const plan = workload.nextTransaction(reusablePlan);  // fills and returns the same object
//     plan.operation  "READ" | "UPDATE" | "INSERT" | "SCAN" | "READMODIFYWRITE"
//     plan.keynum     the record (buildKeyName(plan.keynum) for its key)
//     plan.valueLength  bytes to write (UPDATE, INSERT, READMODIFYWRITE), 0 otherwise
//     plan.scanLength   records to scan (SCAN), 0 otherwise
//     plan.readField / plan.writeField   field index read / written, -1 = all fields
//     After an INSERT completes (success or not): workload.acknowledgeInsert(plan.keynum).
//
//   The same steps one by one: nextOperation(), nextTransactionKeynum(), nextFieldLength(),
//   nextRecordLength(), nextTransactionInsertKeynum(), acknowledgeInsert(keynum).
//
// One value per key (memcached): a record is its fields concatenated; nextRecordLength() is the
// sum of fieldcount field lengths. An UPDATE with writeallfields=false writes one field, and
// valueLength is that field's length: YCSB's own memcached binding replaces the whole value with
// the fields it is given, so the stored value shrinks to that field, as it does in YCSB.
//
// Value bytes are not drawn here (YCSB's RandomByteIterator would draw from the same stream while
// the DB reads them); the driver fills values from its own source. So key and operation sequences
// equal YCSB's only where YCSB draws no value bytes in between.
//
// Several workers: give each its own CoreWorkload and its own slice of the load with
// insertstart/insertcount (as YCSB does for several client machines). Transaction inserts use one
// counter per instance starting at recordcount, so runs with insertproportion > 0 across several
// workers would insert the same keys; the paper's workloads have no inserts.

import { fnvhash64Decimal } from "../random/fnv-hash.ts";
import type { SplittableRandom } from "../random/splittable-random.ts";
import { AcknowledgedCounterGenerator } from "../generators/acknowledged-counter-generator.ts";
import { CounterGenerator } from "../generators/counter-generator.ts";
import { DiscreteGenerator } from "../generators/discrete-generator.ts";
import {
  EXPONENTIAL_FRAC_DEFAULT,
  EXPONENTIAL_PERCENTILE_DEFAULT,
  ExponentialGenerator,
} from "../generators/exponential-generator.ts";
import {
  HOTSPOT_DATA_FRACTION_DEFAULT,
  HOTSPOT_OPN_FRACTION_DEFAULT,
  HotspotIntegerGenerator,
} from "../generators/hotspot-integer-generator.ts";
import { type NumberGenerator, doubleToInt, longToInt } from "../generators/number-generator.ts";
import { ScrambledZipfianGenerator } from "../generators/scrambled-zipfian-generator.ts";
import { SequentialGenerator } from "../generators/sequential-generator.ts";
import { SkewedLatestGenerator } from "../generators/skewed-latest-generator.ts";
import { UniformLongGenerator } from "../generators/uniform-long-generator.ts";
import { ZipfianGenerator } from "../generators/zipfian-generator.ts";
import { type FieldLengthDistribution, createFieldLengthGenerator } from "./field-length.ts";
import { PropertyError, type Properties } from "./properties.ts";

export type Operation = "READ" | "UPDATE" | "INSERT" | "SCAN" | "READMODIFYWRITE";

export const REQUEST_DISTRIBUTIONS = ["uniform", "zipfian", "latest", "hotspot", "sequential", "exponential"] as const;
export type RequestDistribution = (typeof REQUEST_DISTRIBUTIONS)[number];

/** One transaction's choices, filled in place by CoreWorkload.nextTransaction. */
export interface TransactionPlan {
  operation: Operation;
  keynum: number;
  /** Bytes to write: UPDATE, INSERT, READMODIFYWRITE; 0 for READ and SCAN. */
  valueLength: number;
  /** Records to scan (SCAN only), else 0. */
  scanLength: number;
  /** The one field read (readallfields=false), or -1 for all fields. */
  readField: number;
  /** The one field written (writeallfields=false), or -1 for all fields. */
  writeField: number;
}

export function newTransactionPlan(): TransactionPlan {
  return { operation: "READ", keynum: 0, valueLength: 0, scanLength: 0, readField: -1, writeField: -1 };
}

// YCSB's nextKeynum redraws until the key exists; a key space with no existing key would spin
// forever. We stop after this many redraws in a row and say why.
const MAX_KEY_REDRAWS = 1_000_000;

export class CoreWorkload {
  readonly table: string;
  /** recordcount (0 in the file means Integer.MAX_VALUE, as in YCSB). */
  readonly recordCount: number;
  /** operationcount for the run phase (0 when not set: YCSB then runs until maxexecutiontime). */
  readonly operationCount: number;
  /** Inserts the load phase does: insertcount when set, else recordcount (YCSB's Client). */
  readonly loadOperationCount: number;
  readonly insertStart: number;
  readonly insertCount: number;
  readonly fieldCount: number;
  readonly fieldNamePrefix: string;
  readonly fieldLengthDistribution: FieldLengthDistribution;
  /** The longest field the field-length distribution can produce. */
  readonly maxFieldLength: number;
  /** The longest record (all fields): a buffer of this size holds any value. */
  readonly maxRecordLength: number;
  readonly readAllFields: boolean;
  readonly writeAllFields: boolean;
  readonly dataIntegrity: boolean;
  readonly requestDistribution: RequestDistribution;
  readonly orderedInserts: boolean;
  readonly zeroPadding: number;
  readonly insertionRetryLimit: number;
  readonly insertionRetryInterval: number;
  readonly proportions: Readonly<Record<Operation, number>>;

  private readonly fieldLengthGenerator: NumberGenerator;
  private readonly keySequence: CounterGenerator;
  private readonly operationChooser: DiscreteGenerator<Operation>;
  private readonly transactionInsertKeySequence: AcknowledgedCounterGenerator;
  private readonly keyChooser: NumberGenerator;
  private readonly keyChooserIsExponential: boolean;
  private readonly fieldChooser: UniformLongGenerator;
  private readonly scanLengthGenerator: NumberGenerator;

  /** YCSB's CoreWorkload.init; generators are built in the same order, so constructor draws match. */
  constructor(props: Properties, random: SplittableRandom) {
    this.table = props.getString("table", "usertable");
    this.fieldCount = props.getInt("fieldcount", 10, { min: 1 });
    this.fieldNamePrefix = props.getString("fieldnameprefix", "field");
    const fieldLength = createFieldLengthGenerator(props, random);
    this.fieldLengthGenerator = fieldLength.generator;
    this.fieldLengthDistribution = fieldLength.distribution;
    this.maxFieldLength = fieldLength.maxLength;
    this.maxRecordLength = fieldLength.maxLength * this.fieldCount;

    const recordCount = props.getLong("recordcount", 0, { min: 0, max: 2147483647 });
    this.recordCount = recordCount === 0 ? 2147483647 : recordCount;
    const requestDistribution = props.getChoice("requestdistribution", "uniform", REQUEST_DISTRIBUTIONS);
    this.requestDistribution = requestDistribution;
    const minScanLength = props.getInt("minscanlength", 1, { min: 0 });
    const maxScanLength = props.getInt("maxscanlength", 1000, { min: 0 });
    const scanLengthDistribution = props.getChoice("scanlengthdistribution", "uniform", ["uniform", "zipfian"] as const);
    if (maxScanLength < minScanLength) {
      throw props.error("maxscanlength", String(maxScanLength), `at least minscanlength (${minScanLength})`);
    }

    this.insertStart = props.getLong("insertstart", 0, { min: 0, max: 2147483647 });
    this.insertCount = props.getInt("insertcount", this.recordCount - this.insertStart, { min: 1 });
    if (this.insertCount < 1) {
      throw new PropertyError(
        `recordcount - insertstart must leave at least one record, found recordcount=${this.recordCount} ` +
          `(${props.where("recordcount")}) and insertstart=${this.insertStart} (${props.where("insertstart")})`,
      );
    }
    if (this.recordCount < this.insertStart + this.insertCount) {
      throw new PropertyError(
        `insertstart + insertcount must be at most recordcount, found insertstart=${this.insertStart} ` +
          `(${props.where("insertstart")}) + insertcount=${this.insertCount} (${props.where("insertcount")}) ` +
          `> recordcount=${this.recordCount} (${props.where("recordcount")})`,
      );
    }
    this.loadOperationCount = props.has("insertcount") ? this.insertCount : recordCount;
    this.operationCount = props.getInt("operationcount", 0, { min: 0 });
    this.zeroPadding = props.getInt("zeropadding", 1, { min: 0 });
    this.readAllFields = props.getBoolean("readallfields", true);
    this.writeAllFields = props.getBoolean("writeallfields", false);
    this.dataIntegrity = props.getBoolean("dataintegrity", false);
    if (this.dataIntegrity && this.fieldLengthDistribution !== "constant") {
      throw props.error("fieldlengthdistribution", this.fieldLengthDistribution, "constant when dataintegrity=true");
    }
    this.orderedInserts = props.getChoice("insertorder", "hashed", ["hashed", "ordered"] as const) === "ordered";

    this.keySequence = new CounterGenerator(this.insertStart);
    this.proportions = {
      READ: props.getDouble("readproportion", 0.95, { min: 0 }),
      UPDATE: props.getDouble("updateproportion", 0.05, { min: 0 }),
      INSERT: props.getDouble("insertproportion", 0.0, { min: 0 }),
      SCAN: props.getDouble("scanproportion", 0.0, { min: 0 }),
      READMODIFYWRITE: props.getDouble("readmodifywriteproportion", 0.0, { min: 0 }),
    };
    this.operationChooser = new DiscreteGenerator<Operation>(random);
    for (const operation of ["READ", "UPDATE", "INSERT", "SCAN", "READMODIFYWRITE"] as const) {
      if (this.proportions[operation] > 0) this.operationChooser.addValue(this.proportions[operation], operation);
    }

    this.transactionInsertKeySequence = new AcknowledgedCounterGenerator(this.recordCount);
    this.keyChooser = this.createKeyChooser(props, random, requestDistribution);
    this.keyChooserIsExponential = this.keyChooser instanceof ExponentialGenerator;
    this.fieldChooser = new UniformLongGenerator(random, 0, this.fieldCount - 1);
    this.scanLengthGenerator =
      scanLengthDistribution === "uniform"
        ? new UniformLongGenerator(random, minScanLength, maxScanLength)
        : new ZipfianGenerator(random, minScanLength, maxScanLength);

    this.insertionRetryLimit = props.getInt("core_workload_insertion_retry_limit", 0, { min: 0 });
    this.insertionRetryInterval = props.getInt("core_workload_insertion_retry_interval", 3, { min: 0 });
  }

  /** The next key of the load phase (YCSB's keysequence, truncated to int as YCSB does). */
  nextLoadKeynum(): number {
    return longToInt(this.keySequence.nextValue());
  }

  /** "user" + fnvhash64(keynum) (hashed) or "user" + keynum (ordered), zero-padded to zeropadding digits. */
  buildKeyName(keynum: number): string {
    const digits = this.orderedInserts ? String(keynum) : fnvhash64Decimal(keynum);
    const fill = this.zeroPadding - digits.length;
    return fill > 0 ? "user" + "0".repeat(fill) + digits : "user" + digits;
  }

  /** The name YCSB gives field `index` (fieldnameprefix + index), for drivers that store fields. */
  fieldName(index: number): string {
    return this.fieldNamePrefix + index;
  }

  /** The next operation, by the read/update/insert/scan/readmodifywrite proportions (one draw). */
  nextOperation(): Operation {
    if (this.operationChooser.size === 0) {
      throw new PropertyError(
        "no operation to run: readproportion, updateproportion, insertproportion, scanproportion and " +
          "readmodifywriteproportion are all 0",
      );
    }
    return this.operationChooser.nextValue();
  }

  /**
   * A key for a READ/UPDATE/SCAN/READMODIFYWRITE (YCSB's nextKeynum): draws from the request
   * distribution until the key has been inserted (≤ the acknowledged insert counter).
   */
  nextTransactionKeynum(): number {
    const limit = this.transactionInsertKeySequence.lastValue();
    let keynum: number;
    let redraws = 0;
    if (this.keyChooserIsExponential) {
      do {
        keynum = limit - doubleToInt(this.keyChooser.nextValue());
      } while (keynum < 0 && ++redraws < MAX_KEY_REDRAWS);
    } else {
      do {
        keynum = longToInt(this.keyChooser.nextValue());
      } while (keynum > limit && ++redraws < MAX_KEY_REDRAWS);
    }
    if (redraws >= MAX_KEY_REDRAWS) {
      throw new Error(
        `${MAX_KEY_REDRAWS} draws in a row from requestdistribution=${this.requestDistribution} found no inserted key ` +
          `(insertstart=${this.insertStart}, highest inserted key ${limit})`,
      );
    }
    return keynum;
  }

  /** A fresh key for a transaction INSERT; call acknowledgeInsert(keynum) once it is done. */
  nextTransactionInsertKeynum(): number {
    return this.transactionInsertKeySequence.nextValue();
  }

  /** Makes an inserted key visible to later reads (YCSB acknowledges in a finally block). */
  acknowledgeInsert(keynum: number): void {
    this.transactionInsertKeySequence.acknowledge(keynum);
  }

  /** The length of one field (one draw from the field-length distribution). */
  nextFieldLength(): number {
    return this.fieldLengthGenerator.nextValue();
  }

  /** The length of a whole record: fieldcount field lengths, drawn in field order (YCSB's buildValues). */
  nextRecordLength(): number {
    let total = 0;
    for (let i = 0; i < this.fieldCount; i++) total += this.nextFieldLength();
    return total;
  }

  /** A field index in [0, fieldcount) (YCSB's fieldchooser). */
  nextFieldIndex(): number {
    return longToInt(this.fieldChooser.nextValue());
  }

  /** The number of records a SCAN reads. */
  nextScanLength(): number {
    return longToInt(this.scanLengthGenerator.nextValue());
  }

  /** YCSB's doTransaction without the DB: fills `plan` with the draws in YCSB's order. */
  nextTransaction(plan: TransactionPlan = newTransactionPlan()): TransactionPlan {
    const operation = this.nextOperation();
    plan.operation = operation;
    plan.valueLength = 0;
    plan.scanLength = 0;
    plan.readField = -1;
    plan.writeField = -1;
    switch (operation) {
      case "READ":
        plan.keynum = this.nextTransactionKeynum();
        if (!this.readAllFields) plan.readField = this.nextFieldIndex();
        break;
      case "UPDATE":
        plan.keynum = this.nextTransactionKeynum();
        this.planWrite(plan);
        break;
      case "INSERT":
        plan.keynum = this.nextTransactionInsertKeynum();
        plan.valueLength = this.nextRecordLength();
        break;
      case "SCAN":
        plan.keynum = this.nextTransactionKeynum();
        plan.scanLength = this.nextScanLength();
        if (!this.readAllFields) plan.readField = this.nextFieldIndex();
        break;
      case "READMODIFYWRITE":
        plan.keynum = this.nextTransactionKeynum();
        if (!this.readAllFields) plan.readField = this.nextFieldIndex();
        this.planWrite(plan);
        break;
    }
    return plan;
  }

  /** buildValues (all fields) or buildSingleValue (field chosen first, then its length). */
  private planWrite(plan: TransactionPlan): void {
    if (this.writeAllFields) {
      plan.valueLength = this.nextRecordLength();
    } else {
      plan.writeField = this.nextFieldIndex();
      plan.valueLength = this.nextFieldLength();
    }
  }

  private createKeyChooser(props: Properties, random: SplittableRandom, distribution: RequestDistribution): NumberGenerator {
    const first = this.insertStart;
    const last = this.insertStart + this.insertCount - 1;
    switch (distribution) {
      case "uniform":
        return new UniformLongGenerator(random, first, last);
      case "exponential": {
        const percentile = props.getDouble("exponential.percentile", EXPONENTIAL_PERCENTILE_DEFAULT, { min: 0, max: 100 });
        const frac = props.getDouble("exponential.frac", EXPONENTIAL_FRAC_DEFAULT, { min: 0 });
        return ExponentialGenerator.withPercentile(random, percentile, this.recordCount * frac);
      }
      case "sequential":
        return new SequentialGenerator(first, last);
      case "zipfian": {
        // YCSB sizes the key space for the inserts it expects (2 × a fudge factor), so that the
        // popular keys stay put as records are added; keys not inserted yet are redrawn.
        if (!props.has("operationcount")) {
          throw new PropertyError(
            "operationcount must be set for requestdistribution=zipfian (YCSB sizes the key space with it), found nothing",
          );
        }
        const insertProportion = this.proportions.INSERT;
        const expectedNewKeys = doubleToInt(this.operationCount * insertProportion * 2.0);
        // Quirk kept: max is inclusive, so the key space has insertcount + expectednewkeys + 1 items.
        return new ScrambledZipfianGenerator(random, first, this.insertStart + this.insertCount + expectedNewKeys);
      }
      case "latest":
        return new SkewedLatestGenerator(random, this.transactionInsertKeySequence);
      case "hotspot": {
        const hotsetFraction = props.getDouble("hotspotdatafraction", HOTSPOT_DATA_FRACTION_DEFAULT, { min: 0, max: 1 });
        const hotOpnFraction = props.getDouble("hotspotopnfraction", HOTSPOT_OPN_FRACTION_DEFAULT, { min: 0, max: 1 });
        return new HotspotIntegerGenerator(random, first, last, hotsetFraction, hotOpnFraction);
      }
    }
  }
}
