/**
 * The erasure codec's own decode rate on this machine, in-process, to print beside the repair
 * rate a recovery reached (DESIGN §12: "repair rate reported with the codec's own decode rate
 * beside it"). Rebuilds `lost` data pages of one RS(k, m) stripe, one call after another.
 */
import { createCodec, DEFAULT_CODEC, PAGE_SIZE, type CodecName } from "../../../systems/codec/codec.ts";

export interface DecodeRate {
  codec: CodecName;
  k: number;
  m: number;
  /** Data pages rebuilt per call. */
  lostPages: number;
  /** Calls and seconds of the best round. */
  calls: number;
  seconds: number;
  /** Bytes of rebuilt pages per second in the best round (other work on the machine only slows a round down). */
  bytesPerSec: number;
  /** Every round's rate. */
  roundsBytesPerSec: number[];
}

/** A few rounds, each bounded in time and in calls; the servers use DEFAULT_CODEC unless COCYTUS_CODEC says otherwise. */
export async function measureDecodeRate(options: { codec?: CodecName; k?: number; m?: number; lostPages?: number; rounds?: number; roundMs?: number; maxCalls?: number } = {}): Promise<DecodeRate> {
  const codecName = options.codec ?? (process.env.COCYTUS_CODEC as CodecName | undefined) ?? DEFAULT_CODEC;
  const k = options.k ?? 3;
  const m = options.m ?? 2;
  const lostPages = options.lostPages ?? 1;
  const codec = await createCodec(codecName, k, m);
  const data = Array.from({ length: k }, (_, shard) => Uint8Array.from({ length: PAGE_SIZE }, (_, i) => (i * 31 + shard * 17 + 7) & 0xff));
  const stripe = [...data, ...(await codec.encode(data))];
  const lost = Array.from({ length: lostPages }, (_, i) => i);
  const survivors = stripe.map((page, index) => (lost.includes(index) ? null : page));
  const rebuilt = await codec.decode(survivors, lost);
  if (!rebuilt.every((page, i) => Buffer.compare(page, data[lost[i]]) === 0)) throw new Error(`codec ${codecName}: decode did not rebuild the lost pages`);

  const roundMs = options.roundMs ?? 400;
  const maxCalls = options.maxCalls ?? 100_000;
  const rounds: { calls: number; seconds: number; bytesPerSec: number }[] = [];
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    const started = process.hrtime.bigint();
    const deadline = Date.now() + roundMs;
    let calls = 0;
    while (calls < maxCalls && Date.now() < deadline) {
      await codec.decode(survivors, lost);
      calls++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rounds.push({ calls, seconds, bytesPerSec: (calls * lostPages * PAGE_SIZE) / seconds });
  }
  const best = rounds.reduce((a, b) => (b.bytesPerSec > a.bytesPerSec ? b : a));
  return { codec: codecName, k, m, lostPages, ...best, roundsBytesPerSec: rounds.map((r) => r.bytesPerSec) };
}
