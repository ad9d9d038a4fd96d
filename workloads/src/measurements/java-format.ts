/**
 * Java's `Double.toString(double)`, which YCSB's text exporter uses for every double it prints
 * (`[OVERALL], Throughput(ops/sec), 1234.5678`): plain decimals from 10^-3 up to 10^7, always with
 * a fraction digit ("42.0"), and "1.0E7" style outside that range; the digits are the shortest that
 * read back as the same double (as in JDK 19 and later, and in JavaScript).
 */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return "NaN";
  if (d === Infinity) return "Infinity";
  if (d === -Infinity) return "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const s = String(d);
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${exponent.startsWith("+") ? exponent.slice(1) : exponent}`;
}

/** YCSB's ordinal for a percentile: 50 → "50th", 99 → "99th", 99.9 → "99.9" (as Double.toString). */
export function percentileOrdinal(p: number): string {
  if (p % 1 === 0) {
    const j = Math.trunc(p);
    const mod100 = j % 100;
    if (mod100 === 11 || mod100 === 12 || mod100 === 13) return `${j}th`;
    const suffixes = ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"];
    return `${j}${suffixes[j % 10]}`;
  }
  return javaDouble(p);
}
