/**
 * xxHash64 of a byte string, with BigInt arithmetic. Used once per rule group to compute the
 * group's evaluation offset exactly as Prometheus does (it hashes the group's `name` and
 * `file` labels with xxhash), so ignis and Prometheus evaluate the same group at the same
 * instants. Not for hot paths.
 */
const M = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M;
}

function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & M, 31n) * P1) & M;
}

function merge(acc: bigint, v: bigint): bigint {
  return ((((acc ^ round(0n, v)) * P1) & M) + P4) & M;
}

function u64(b: Uint8Array, i: number): bigint {
  return new DataView(b.buffer, b.byteOffset + i, 8).getBigUint64(0, true);
}

function u32(b: Uint8Array, i: number): bigint {
  return BigInt(new DataView(b.buffer, b.byteOffset + i, 4).getUint32(0, true));
}

/** The 64-bit xxHash (seed 0) of `b`. */
export function xxhash64(b: Uint8Array): bigint {
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = -P1 & M;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, u64(b, i));
    h = (rotl(h, 27n) * P1 + P4) & M;
  }
  if (i + 4 <= n) {
    h ^= (u32(b, i) * P1) & M;
    h = (rotl(h, 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]!) * P5) & M;
    h = (rotl(h, 11n) * P1) & M;
  }
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

/** Prometheus's `labels.Labels.Hash()` for a small label set: xxhash of `name\xffvalue\xff…`. */
export function prometheusLabelsHash(pairs: readonly [string, string][]): bigint {
  const parts: number[] = [];
  const enc = new TextEncoder();
  for (const [k, v] of pairs) {
    parts.push(...enc.encode(k), 0xff, ...enc.encode(v), 0xff);
  }
  return xxhash64(Uint8Array.from(parts));
}
