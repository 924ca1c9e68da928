import { randomIndex, type Random } from "./rng";

/** One filled slot of a slate. */
export interface SlateChoice {
  /** Index of the chosen candidate in the score array. */
  index: number;
  /** Exact probability of this choice given the earlier slots: ε/|R| + (1−ε)·[greedy best]. */
  propensity: number;
  /** Filled by the ε branch (uniform draw), even when the draw happened to hit the greedy best. */
  explored: boolean;
}

/** Scores as the slate reads them: NaN ranks below everything, so a broken score is never the greedy pick. */
export type Scores = Float64Array | readonly number[];

function checkEpsilon(epsilon: number): void {
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in [0, 1], got ${epsilon}`);
}

/** Whether candidate i beats candidate j (higher score; NaN lowest; ties go to the lower index). */
function beats(scores: Scores, i: number, j: number): boolean {
  const a = scores[i]!;
  const b = scores[j]!;
  if (Number.isNaN(b)) return !Number.isNaN(a) || i < j;
  if (Number.isNaN(a)) return false;
  return a > b || (a === b && i < j);
}

/** The greedy pick among candidates not yet taken, or -1 when none remain. */
function greedyBest(scores: Scores, taken: Uint8Array): number {
  let best = -1;
  for (let i = 0; i < scores.length; i++) {
    if (taken[i] === 1) continue;
    if (best === -1 || beats(scores, i, best)) best = i;
  }
  return best;
}

/**
 * Fills up to k slots one at a time (DESIGN §3 step 7): with probability ε a uniformly random remaining
 * candidate, else the best remaining by score (ties: lowest index). Fewer candidates than k gives
 * fewer slots. Draws exactly one number from `rng` per slot, plus one more for each ε branch taken.
 */
export function selectSlate(scores: Scores, k: number, epsilon: number, rng: Random): SlateChoice[] {
  checkEpsilon(epsilon);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be an integer ≥ 0, got ${k}`);
  const taken = new Uint8Array(scores.length);
  const slots = Math.min(k, scores.length);
  const slate: SlateChoice[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const remaining = scores.length - slot;
    const best = greedyBest(scores, taken);
    const explored = rng() < epsilon;
    const index = explored ? nthRemaining(taken, randomIndex(rng, remaining)) : best;
    const propensity = epsilon / remaining + (index === best ? 1 - epsilon : 0);
    taken[index] = 1;
    slate.push({ index, propensity, explored });
  }
  return slate;
}

/** The n-th (0-based) candidate not yet taken. */
function nthRemaining(taken: Uint8Array, n: number): number {
  let seen = 0;
  for (let i = 0; i < taken.length; i++) {
    if (taken[i] === 1) continue;
    if (seen === n) return i;
    seen++;
  }
  throw new RangeError(`no remaining candidate number ${n}`);
}

/**
 * The policy's probability of putting each candidate in slot 0: ε/n + (1−ε) for the greedy best,
 * ε/n for the others. Sums to 1 (for IPS and doubly robust estimates with a target policy).
 */
export function firstSlotDistribution(scores: Scores, epsilon: number): Float64Array {
  checkEpsilon(epsilon);
  const n = scores.length;
  const distribution = new Float64Array(n);
  if (n === 0) return distribution;
  distribution.fill(epsilon / n);
  distribution[greedyBest(scores, new Uint8Array(n))]! += 1 - epsilon;
  return distribution;
}

/**
 * The probability that the policy produces exactly this ordered slate of candidate indices: the product
 * of each slot's propensity given the earlier ones. 0 for a slate the policy cannot produce.
 */
export function slateProbability(scores: Scores, epsilon: number, indices: readonly number[]): number {
  checkEpsilon(epsilon);
  const taken = new Uint8Array(scores.length);
  let probability = 1;
  for (let slot = 0; slot < indices.length; slot++) {
    const index = indices[slot]!;
    if (!Number.isInteger(index) || index < 0 || index >= scores.length || taken[index] === 1) return 0;
    const remaining = scores.length - slot;
    probability *= epsilon / remaining + (index === greedyBest(scores, taken) ? 1 - epsilon : 0);
    taken[index] = 1;
  }
  return probability;
}
