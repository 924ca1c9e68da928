import { randomIndex, type Random } from "./rng";

/** One filled slot of a slate. */
export interface SlateChoice {
  /** Index of the chosen candidate in the score array. */
  index: number;
  /**
   * Exact probability of this choice given the earlier slots: 1 for a pinned slot, else
   * ε/|E| + (1−ε)·[greedy best of E], E the candidates still eligible (not taken, category under the cap).
   */
  propensity: number;
  /** Filled by the ε branch (uniform draw), even when the draw happened to hit the greedy best. */
  explored: boolean;
  /** Placed by `SlotRules.pinned`, without a draw. */
  pinned: boolean;
}

/** Scores as the slate reads them: NaN ranks below everything, so a broken score is never the greedy pick. */
export type Scores = Float64Array | readonly number[];

/**
 * Business rules in candidate terms (indices into the score array), applied while the slate fills, so
 * every reported propensity is the policy's exact probability under them.
 */
export interface SlotRules {
  /** Placed first, in this order, propensity 1; one already taken or whose category is full is skipped. */
  readonly pinned: readonly number[];
  /** At most this many candidates of one category in the slate; 0 = no cap. */
  readonly maxPerCategory: number;
  /** Per candidate its category number, or −1 for none (never capped). Read only with a cap. */
  readonly categories: ArrayLike<number> | null;
  /** Per candidate, added to its score for the greedy order (not to the reported score); null = none. */
  readonly boosts: ArrayLike<number> | null;
}

/** No rules: the plain ε-greedy slate. */
export const NO_RULES: SlotRules = Object.freeze({ pinned: [], maxPerCategory: 0, categories: null, boosts: null });

function checkEpsilon(epsilon: number): void {
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in [0, 1], got ${epsilon}`);
}

/**
 * The greedy order, the one definition the slate, the evaluator and the ranker's scorer share: whether
 * ranking score a (of candidate i) ranks above b (of candidate j): higher first, NaN lowest, ties to the
 * lower index.
 */
export function ranksAbove(a: number, i: number, b: number, j: number): boolean {
  if (Number.isNaN(b)) return !Number.isNaN(a) || i < j;
  if (Number.isNaN(a)) return false;
  return a > b || (a === b && i < j);
}

/** Candidate c's ranking score: its score plus its boost (a boost of 0 changes nothing, to the bit). */
export function rankingScore(score: number, boosts: ArrayLike<number> | null, c: number): number {
  return boosts === null ? score : score + boosts[c]!;
}

/**
 * A slate being filled under rules: what is taken, how full each category is, how far the pinned list
 * got. selectSlate, slotDistribution and slateProbability all step through one, so they agree.
 */
class SlateFill {
  readonly taken: Uint8Array;
  /** Candidates taken per category; only with a cap. */
  private readonly perCategory: Map<number, number> | null;
  private pinCursor = 0;
  /** After `scan`: the greedy best eligible candidate (−1 when none) and how many are eligible. */
  best = -1;
  eligibleCount = 0;
  private takenCount = 0;

  constructor(
    private readonly count: number,
    private readonly rules: SlotRules,
  ) {
    const n = count;
    this.taken = new Uint8Array(n);
    for (const p of rules.pinned)
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new RangeError(`pinned candidate ${p} is not in 0..${n - 1}`);
    if (!(Number.isInteger(rules.maxPerCategory) && rules.maxPerCategory >= 0))
      throw new RangeError(`maxPerCategory must be an integer ≥ 0, got ${rules.maxPerCategory}`);
    if (rules.maxPerCategory > 0 && (rules.categories === null || rules.categories.length < n))
      throw new RangeError("a category cap needs every candidate's category");
    if (rules.boosts !== null && rules.boosts.length < n) throw new RangeError("boosts must cover every candidate");
    this.perCategory = rules.maxPerCategory > 0 ? new Map() : null;
  }

  /** Not taken, and its category (if any) under the cap. */
  eligible(i: number): boolean {
    if (this.taken[i] === 1) return false;
    const perCategory = this.perCategory;
    if (perCategory === null) return true;
    const category = this.rules.categories![i]!;
    return category < 0 || (perCategory.get(category) ?? 0) < this.rules.maxPerCategory;
  }

  take(i: number): void {
    this.taken[i] = 1;
    this.takenCount++;
    const perCategory = this.perCategory;
    if (perCategory === null) return;
    const category = this.rules.categories![i]!;
    if (category >= 0) perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
  }

  /** The next pinned candidate that can be placed (skipping the rest), or −1 once the list is done. */
  nextPinned(): number {
    const pinned = this.rules.pinned;
    while (this.pinCursor < pinned.length) {
      const p = pinned[this.pinCursor++]!;
      if (this.eligible(p)) return p;
    }
    return -1;
  }

  /** Sets `best` and `eligibleCount` for the candidates eligible now. */
  scan(scores: Scores): void {
    const boosts = this.rules.boosts;
    const capped = this.perCategory !== null;
    const taken = this.taken;
    if (!capped && boosts === null) {
      // The plain slate (most requests): every candidate not taken is eligible.
      let plainBest = -1;
      for (let i = 0; i < scores.length; i++) {
        if (taken[i] === 1) continue;
        if (plainBest === -1 || ranksAbove(scores[i]!, i, scores[plainBest]!, plainBest)) plainBest = i;
      }
      this.best = plainBest;
      this.eligibleCount = scores.length - this.takenCount;
      return;
    }
    let best = -1;
    let bestScore = 0;
    let count = 0;
    for (let i = 0; i < scores.length; i++) {
      if (taken[i] === 1 || (capped && !this.eligible(i))) continue;
      count++;
      const score = rankingScore(scores[i]!, boosts, i);
      if (best === -1 || ranksAbove(score, i, bestScore, best)) {
        best = i;
        bestScore = score;
      }
    }
    this.best = best;
    this.eligibleCount = count;
  }

  /** The n-th (0-based) eligible candidate. */
  nthEligible(n: number): number {
    let seen = 0;
    for (let i = 0; i < this.count; i++) {
      if (!this.eligible(i)) continue;
      if (seen === n) return i;
      seen++;
    }
    throw new RangeError(`no eligible candidate number ${n}`);
  }
}

/**
 * Fills up to k slots one at a time (DESIGN §3 step 7): first the pinned candidates (propensity 1, no
 * draw), then with probability ε a uniformly random eligible candidate, else the best eligible by
 * ranking score (ties: lowest index); eligible = not taken and its category under the cap. Stops early
 * when none is eligible. Draws exactly one number from `rng` per unpinned slot, plus one more for each
 * ε branch taken.
 */
export function selectSlate(
  scores: Scores,
  k: number,
  epsilon: number,
  rng: Random,
  rules: SlotRules = NO_RULES,
): SlateChoice[] {
  checkEpsilon(epsilon);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be an integer ≥ 0, got ${k}`);
  const fill = new SlateFill(scores.length, rules);
  const slots = Math.min(k, scores.length);
  const slate: SlateChoice[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const pinned = fill.nextPinned();
    if (pinned >= 0) {
      fill.take(pinned);
      slate.push({ index: pinned, propensity: 1, explored: false, pinned: true });
      continue;
    }
    fill.scan(scores);
    if (fill.eligibleCount === 0) break;
    const best = fill.best;
    const explored = rng() < epsilon;
    const index = explored ? fill.nthEligible(randomIndex(rng, fill.eligibleCount)) : best;
    const propensity = epsilon / fill.eligibleCount + (index === best ? 1 - epsilon : 0);
    fill.take(index);
    slate.push({ index, propensity, explored, pinned: false });
  }
  return slate;
}

/**
 * The policy's probability of putting each candidate in the slot after `earlier` (a prefix of a slate
 * it fills, pinned slots first): one-hot on the next pinned candidate, else ε/|E| to each eligible one
 * plus 1−ε to the greedy best of them. Sums to 1 while a candidate is eligible, else all 0. For IPS and
 * doubly robust estimates with a target policy. Throws when `earlier` skips a pinned slot.
 */
export function slotDistribution(
  scores: Scores,
  epsilon: number,
  earlier: readonly number[] = [],
  rules: SlotRules = NO_RULES,
): Float64Array {
  checkEpsilon(epsilon);
  const fill = new SlateFill(scores.length, rules);
  for (const index of earlier) {
    if (!Number.isInteger(index) || index < 0 || index >= scores.length || fill.taken[index] === 1)
      throw new RangeError(`earlier slots must be distinct candidates in 0..${scores.length - 1}, got ${index}`);
    const pinned = fill.nextPinned();
    if (pinned >= 0 && pinned !== index)
      throw new RangeError(`earlier slots skip pinned candidate ${pinned} (got ${index})`);
    fill.take(index);
  }
  const distribution = new Float64Array(scores.length);
  const pinned = fill.nextPinned();
  if (pinned >= 0) {
    distribution[pinned] = 1;
    return distribution;
  }
  fill.scan(scores);
  if (fill.eligibleCount === 0) return distribution;
  const share = epsilon / fill.eligibleCount;
  for (let i = 0; i < scores.length; i++) if (fill.eligible(i)) distribution[i] = share;
  distribution[fill.best]! += 1 - epsilon;
  return distribution;
}

/** slotDistribution of slot 0. */
export function firstSlotDistribution(scores: Scores, epsilon: number, rules: SlotRules = NO_RULES): Float64Array {
  return slotDistribution(scores, epsilon, [], rules);
}

/**
 * The candidate slot 0 of `count` candidates holds without a draw (the first pinned one), or −1 when
 * slot 0 is ε-greedy.
 */
export function firstPinned(count: number, rules: SlotRules = NO_RULES): number {
  return rules.pinned.length === 0 ? -1 : new SlateFill(count, rules).nextPinned();
}

/**
 * The probability that the policy produces exactly this ordered slate of candidate indices: the product
 * of each slot's propensity given the earlier ones. 0 for a slate the policy cannot produce.
 */
export function slateProbability(
  scores: Scores,
  epsilon: number,
  indices: readonly number[],
  rules: SlotRules = NO_RULES,
): number {
  checkEpsilon(epsilon);
  const fill = new SlateFill(scores.length, rules);
  let probability = 1;
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= scores.length || fill.taken[index] === 1) return 0;
    const pinned = fill.nextPinned();
    if (pinned >= 0) {
      if (index !== pinned) return 0;
    } else {
      fill.scan(scores);
      if (!fill.eligible(index)) return 0;
      probability *= epsilon / fill.eligibleCount + (index === fill.best ? 1 - epsilon : 0);
    }
    fill.take(index);
  }
  return probability;
}
