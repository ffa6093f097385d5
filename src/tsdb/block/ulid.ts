/**
 * ULIDs, the names of block directories: 48 bits of milliseconds since the epoch and 80 random
 * bits, written as 26 characters of Crockford's base32 (so names sort by creation time). The
 * generator is monotonic: within one millisecond (or if the clock steps back) it increments the
 * random part instead of drawing a new one, so names made in a row still sort in order.
 */
import { randomFillSync } from 'node:crypto';

/** Crockford's base32 alphabet (no I, L, O, U). */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Largest timestamp a ULID holds: 2^48 - 1 ms. */
const MAX_TIME = 281474976710655;
const RANDOM_BYTES = 10;

/** Makes monotonic ULIDs. */
export class ULIDGenerator {
  private lastTime = -1;
  private readonly random = new Uint8Array(RANDOM_BYTES);

  /** The next ULID for time `now` (ms); never sorts before one this generator returned. */
  next(now: number = Date.now()): string {
    if (!Number.isInteger(now) || now < 0 || now > MAX_TIME)
      throw new RangeError(`ulid: time ${now} out of range`);
    if (now <= this.lastTime) {
      // Same millisecond (or a clock step back): increment the 80-bit random part.
      let i = RANDOM_BYTES - 1;
      while (i >= 0 && this.random[i] === 0xff) this.random[i--] = 0;
      if (i < 0) throw new Error('ulid: random part overflow within one millisecond');
      this.random[i]!++;
      now = this.lastTime;
    } else {
      randomFillSync(this.random);
      this.lastTime = now;
    }
    return encodeULID(now, this.random);
  }
}

/** Encodes a time and 10 random bytes as a 26-character ULID. */
export function encodeULID(time: number, random: Uint8Array): string {
  let s = '';
  let t = time;
  const timeChars = new Array<string>(10);
  for (let i = 9; i >= 0; i--) {
    timeChars[i] = ENCODING[t % 32]!;
    t = Math.floor(t / 32);
  }
  s = timeChars.join('');
  // 80 bits = 16 characters of 5 bits, most significant first.
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < RANDOM_BYTES; i++) {
    acc = ((acc << 8) | random[i]!) & 0x1fff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += ENCODING[(acc >> bits) & 31];
    }
  }
  return s;
}

/** True when `s` is a well-formed ULID (26 Crockford base32 characters, first one at most 7). */
export function isULID(s: string): boolean {
  return /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(s);
}

/** The millisecond timestamp of a ULID. */
export function ulidTime(s: string): number {
  if (!isULID(s)) throw new Error(`invalid ULID ${JSON.stringify(s)}`);
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ENCODING.indexOf(s[i]!);
  return t;
}

const defaultGenerator = new ULIDGenerator();

/** A new ULID from the process-wide monotonic generator. */
export function newULID(now?: number): string {
  return defaultGenerator.next(now);
}
