/**
 * Helpers for the WAL's tests: temporary directories, an independent CRC32-C, a model of
 * Prometheus's page layout to compare the writer's bytes against, and a hand-made fragment
 * builder for inputs the writer never produces (compressed records, broken structure).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Reader, type ReaderError } from './reader.js';
import { FRAGMENT_HEADER_SIZE, FragmentType, PAGE_SIZE } from './segment.js';

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function tempDir(prefix = 'ignis-wal-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a directory tree. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

// Bitwise CRC32-C (reflected polynomial 0x82F63B78), written from the definition so that it
// checks the library rather than repeating it.
let table: Uint32Array | null = null;

/** CRC32-Castagnoli computed without the library under test. */
export function crc32cReference(data: Uint8Array): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One fragment's bytes: type byte, big-endian length, big-endian CRC32-C, data. */
export function fragment(typeByte: number, data: Uint8Array, crc = crc32cReference(data)): Uint8Array {
  const out = new Uint8Array(FRAGMENT_HEADER_SIZE + data.length);
  out[0] = typeByte;
  out[1] = data.length >>> 8;
  out[2] = data.length & 0xff;
  new DataView(out.buffer).setUint32(3, crc);
  out.set(data, FRAGMENT_HEADER_SIZE);
  return out;
}

/**
 * The segments Prometheus's writer produces for `records`, written out step by step from the
 * format's rules: fragments fill pages, a page with fewer than 7 bytes left is zero-padded, a
 * record that does not fit the rest of the segment starts a new one. `closed` pads the last
 * page as Close does.
 */
export function modelSegments(
  records: readonly Uint8Array[],
  segmentSize: number,
  closed: boolean,
): Uint8Array[] {
  const pagesPerSegment = segmentSize / PAGE_SIZE;
  const segs: number[][] = [];
  let cur: number[] = [];
  let inPage = 0;
  let donePages = 0;
  const pad = (): void => {
    while (inPage < PAGE_SIZE) {
      cur.push(0);
      inPage++;
    }
    inPage = 0;
    donePages++;
  };
  for (const rec of records) {
    const room =
      PAGE_SIZE -
      inPage -
      FRAGMENT_HEADER_SIZE +
      (PAGE_SIZE - FRAGMENT_HEADER_SIZE) * (pagesPerSegment - donePages - 1);
    if (rec.length > room) {
      if (inPage > 0) pad();
      segs.push(cur);
      cur = [];
      donePages = 0;
    }
    let off = 0;
    let first = true;
    do {
      const n = Math.min(rec.length - off, PAGE_SIZE - inPage - FRAGMENT_HEADER_SIZE);
      const last = off + n === rec.length;
      const typ = first
        ? last
          ? FragmentType.Full
          : FragmentType.First
        : last
          ? FragmentType.Last
          : FragmentType.Middle;
      for (const b of fragment(typ, rec.subarray(off, off + n))) cur.push(b);
      inPage += FRAGMENT_HEADER_SIZE + n;
      if (PAGE_SIZE - inPage < FRAGMENT_HEADER_SIZE) pad();
      off += n;
      first = false;
    } while (off < rec.length);
  }
  if (closed && inPage > 0) pad();
  segs.push(cur);
  return segs.map((s) => Uint8Array.from(s));
}

/** Every record of a reader (copied), with positions, and why it stopped. */
export function readAll(reader: Reader): {
  records: Uint8Array[];
  positions: { segment: number; offset: number; end: number }[];
  err: ReaderError | null;
} {
  const records: Uint8Array[] = [];
  const positions: { segment: number; offset: number; end: number }[] = [];
  try {
    while (reader.next()) {
      records.push(reader.record().slice());
      positions.push({ segment: reader.segment, offset: reader.offset, end: reader.end });
    }
  } finally {
    reader.close();
  }
  return { records, positions, err: reader.err() };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
