/**
 * mulberry32: a seeded pseudo-random generator of floats in [0, 1). Hand-rolled because Math.random cannot be
 * seeded and node:crypto's generators are not meant to be replayed; `serve --faults-seed N` needs the same
 * sequence from the same seed on every machine and Node version. Statistically fine for picking faults, far
 * from cryptographic — never use it for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
