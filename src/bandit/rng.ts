/**
 * Random sources for the bandit. Every function in src/bandit that needs randomness takes a `Random`
 * as a parameter, so tests and offline replays are exact and seeded.
 */

/** A source of uniform numbers in [0, 1). `Math.random` is one; `seededRandom(seed)` is a reproducible one. */
export type Random = () => number;

/**
 * A fast, seeded PRNG (sfc32, seeded through splitmix32 so nearby seeds give unrelated streams).
 * Good statistical quality for simulation and exploration; not cryptographic.
 */
export function seededRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0;
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let counter = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // sfc32 needs a few rounds before its output is well mixed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A standard normal draw (Box–Muller; the second variate is discarded so no state is kept). */
export function gaussian(rng: Random): number {
  // 1 - u is in (0, 1], so the log is finite.
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniform integer in [0, n). */
export function randomIndex(rng: Random, n: number): number {
  const i = Math.floor(rng() * n);
  // Guards against a source that returns exactly 1 despite its contract.
  return i < n ? i : n - 1;
}
