/**
 * mulberry32: a small, fast, seeded PRNG, so that simulations with jitter repeat exactly.
 * Good enough for jitter and fault injection; not for anything secret.
 */
/* eslint-disable no-bitwise */ // a 32-bit integer PRNG is bit arithmetic by nature
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */
