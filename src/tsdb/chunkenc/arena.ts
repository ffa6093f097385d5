/**
 * A bump allocator for the bytes of closed head chunks. A closed chunk never changes, and the
 * head cuts and drops chunks roughly in time order, so chunks closed at about the same time
 * share a slab and go away at about the same time: the slab is garbage collected once no view
 * into it remains. Compared with one ArrayBuffer per chunk this saves the buffer object and
 * its off-heap bookkeeping (about 200 bytes of RSS per chunk).
 */

/** Slab size: large enough to amortise the buffer, small enough not to pin much. */
const SLAB_SIZE = 64 * 1024;
/** Chunks larger than this get a buffer of their own rather than wasting a slab's tail. */
const MAX_ARENA_COPY = SLAB_SIZE / 16;

let slab = new Uint8Array(0);
let used = 0;

/** Copies `src` into the arena and returns a view of the copy (exactly `src.length` long). */
export function arenaCopy(src: Uint8Array): Uint8Array {
  const n = src.length;
  if (n > MAX_ARENA_COPY) return Uint8Array.from(src);
  if (used + n > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const view = slab.subarray(used, used + n);
  view.set(src);
  used += n;
  return view;
}
