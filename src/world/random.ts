/**
 * The synthetic world's own seeded random source. Everything in `src/world/` draws from it, so a seed
 * fixes every item, user, session and click. sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator) is 32-bit integer arithmetic only, so the stream is the same on every platform.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform whole number in [0, n). */
  int(n: number): number;
  /** Standard normal (mean 0, sd 1). */
  normal(): number;
  /** Gamma(shape, 1); shape > 0. */
  gamma(shape: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Index drawn with probability proportional to `weights[i]` (non-negative, not all zero). */
  weightedIndex(weights: ArrayLike<number>): number;
  /** Shuffles `values` in place (Fisher–Yates) and returns it. */
  shuffle<T>(values: T[]): T[];
  /**
   * An independent stream named by `label`. It depends only on this source's seed and the label, never
   * on how much was drawn before, so adding draws in one part of the world does not shift another.
   */
  fork(label: string): Random;
}

/** A random source fully determined by `seed` (a number or any string). */
export function createRandom(seed: number | string): Random {
  const seedText = String(seed);
  const state = hashSeed(seedText);
  const nextUint32 = sfc32(state);
  // Warm-up: the first outputs of sfc32 are correlated with the seed words.
  for (let i = 0; i < 15; i++) nextUint32();
  const next = () => nextUint32() / 4294967296;
  let spareNormal: number | null = null;

  const normal = (): number => {
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    // Box–Muller; 1 - next() keeps the logarithm's argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  const gamma = (shape: number): number => {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    // Marsaglia–Tsang; shapes below 1 are boosted by U^(1/shape).
    if (shape < 1) return gamma(shape + 1) * (1 - next()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = 1 - next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };

  const random: Random = {
    next,
    int: (n) => Math.floor(next() * n),
    normal,
    gamma,
    exponential: (mean) => -mean * Math.log(1 - next()),
    chance: (p) => next() < p,
    weightedIndex(weights) {
      let total = 0;
      for (let i = 0; i < weights.length; i++) total += weights[i]!;
      if (!(total > 0)) throw new RangeError("weightedIndex needs at least one positive weight");
      let target = next() * total;
      for (let i = 0; i < weights.length; i++) {
        target -= weights[i]!;
        if (target < 0) return i;
      }
      // Rounding can leave target at ~0 after the loop: return the last positive weight.
      for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
      return weights.length - 1;
    },
    shuffle(values) {
      for (let i = values.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const held = values[i]!;
        values[i] = values[j]!;
        values[j] = held;
      }
      return values;
    },
    fork: (label) => createRandom(`${seedText}/${label}`),
  };
  return random;
}

/** cyrb128: a string hash spreading any seed text over four 32-bit words. */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function sfc32([seedA, seedB, seedC, seedD]: [number, number, number, number]): () => number {
  let a = seedA;
  let b = seedB;
  let c = seedC;
  let d = seedD;
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
}
