/**
 * Sample values and timestamps.
 *
 * Timestamps are integer milliseconds since the Unix epoch, held in plain numbers (exact up to
 * 2^53). Values are float64. The staleness marker is a NaN with a particular bit pattern, which
 * Prometheus writes when a series disappears; it must stay distinguishable from every other NaN.
 *
 * Beware: V8 canonicalizes NaNs stored in plain arrays of doubles (`number[]` holding only
 * numbers, including `[t, v]` tuples), which silently turns the stale marker into an ordinary
 * NaN. Object fields, locals and Float64Arrays keep the payload, so sample values are held in
 * Float64Arrays.
 */

/** Bit pattern of the staleness marker, 0x7ff0000000000002, as its high and low 32-bit words. */
export const STALE_NAN_BITS_HIGH = 0x7ff00000;
/** Low word of the staleness marker's bit pattern. */
export const STALE_NAN_BITS_LOW = 0x00000002;

/** The bit pattern of a normal NaN as Go's math.NaN() writes it (0x7ff8000000000001). */
export const NORMAL_NAN_BITS_HIGH = 0x7ff80000;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Typed arrays use the platform's byte order; find which word holds the high half.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

function fromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

/** The staleness marker. Compare with {@link isStaleNaN}, never with `===` (it is a NaN). */
export const STALE_NAN: number = fromBits(STALE_NAN_BITS_HIGH, STALE_NAN_BITS_LOW);

/** True when `v` is the staleness marker (and not any other NaN). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not a NaN: the fast and common case
  f64[0] = v;
  return u32[HI] === STALE_NAN_BITS_HIGH && u32[LO] === STALE_NAN_BITS_LOW;
}

/** The high and low 32-bit words of a float64, written into `out[0]` (high) and `out[1]` (low). */
export function float64Bits(v: number, out: Uint32Array): void {
  f64[0] = v;
  out[0] = u32[HI]!;
  out[1] = u32[LO]!;
}

/** The float64 with the given high and low 32-bit words. */
export function float64FromBits(hi: number, lo: number): number {
  return fromBits(hi >>> 0, lo >>> 0);
}

/** Smallest timestamp Prometheus uses (math.MinInt64 / 1e6 rounded, in ms): "the beginning of time". */
export const MIN_TIME = -9223372036854;
/** Largest timestamp Prometheus uses (math.MaxInt64 / 1e6, in ms): "the end of time". */
export const MAX_TIME = 9223372036854;

/** True when `t` is a valid timestamp: an integer number of milliseconds in the int64 range. */
export function isValidTimestamp(t: number): boolean {
  return Number.isSafeInteger(t);
}
