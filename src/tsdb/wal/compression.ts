/**
 * Decompression of WAL records that Prometheus wrote compressed.
 *
 * ignis writes records uncompressed, which every Prometheus version reads. Prometheus writes
 * snappy-compressed records by default (--storage.tsdb.wal-compression) and zstd on request;
 * the flags sit in each fragment's type byte. Snappy is decoded with the `snappy` package
 * (Prometheus uses the block format, not the framing format). zstd is decoded when the Node.js
 * runtime has it (zlib.zstdDecompressSync, Node 22.15 and later); on an older runtime a zstd
 * record is reported as unsupported rather than as corruption, so that it is never "repaired"
 * away.
 */
import * as zlib from 'node:zlib';
import { uncompressSync } from 'snappy';

type ZstdDecompress = (buf: Uint8Array) => Buffer;
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: ZstdDecompress }).zstdDecompressSync;

/** True when this runtime can decompress zstd records. */
export const ZSTD_SUPPORTED = typeof zstdDecompressSync === 'function';

/** Decompresses a snappy block; throws when the data is not valid snappy. */
export function decompressSnappy(data: Uint8Array): Uint8Array {
  return plain(uncompressSync(data, { asBuffer: true }) as Buffer);
}

/** Every zstd frame starts with this magic number (little-endian 0xFD2FB528). */
export function hasZstdMagic(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd;
}

/** Decompresses a zstd frame; throws when the runtime lacks zstd or the data is not valid zstd. */
export function decompressZstd(data: Uint8Array): Uint8Array {
  if (zstdDecompressSync === undefined) throw new Error('zstd is not available in this Node.js runtime');
  return plain(zstdDecompressSync(data));
}

/** A plain Uint8Array over a Buffer's bytes: Buffer's `slice` does not copy, and callers may rely on it copying. */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
