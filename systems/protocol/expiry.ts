/**
 * memcached's expiry times: 0 is never; up to 30 days is relative to now; larger is an absolute
 * unix time; negative is "already expired". Times here are absolute unix seconds.
 */

/** memcached's REALTIME_MAXDELTA: the largest relative expiry (30 days). */
export const MAX_RELATIVE_EXPTIME = 60 * 60 * 24 * 30;

/** An already-past time (not 0, which means never): how a negative exptime is stored. */
export const EXPIRED = 1;

/** The absolute expiry of a client's exptime given at server time `now` (0 = never). */
export function absoluteExptime(exptime: number, now: number): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return EXPIRED;
  if (exptime <= MAX_RELATIVE_EXPTIME) return now + exptime;
  return exptime;
}

/** Server time as memcached keeps it: whole unix seconds. */
export function serverNow(): number {
  return Math.floor(Date.now() / 1000);
}
