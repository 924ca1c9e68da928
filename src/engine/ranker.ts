import { FactoredFeatures, type CandidateRows } from "../bandit/factored-features";
import { SIGNAL_COUNT, type HashedContext, type StateVector } from "../bandit/features";
import { materializeShared } from "../bandit/factored";
import type { HybridLinUCB } from "../bandit/hybrid";
import type { Random } from "../bandit/rng";
import { groupScoreParts } from "../bandit/score-parts";
import { NO_RULES, rankingScore, ranksAbove, selectSlate, type SlotRules } from "../bandit/slate";
import type { FeatureSpec } from "../bandit/features";
import type { CatalogItem } from "../state/ports";
import type { RecommendedSlot } from "./types";

export interface RankRequest {
  candidates: readonly CatalogItem[];
  session: StateVector;
  longTerm: StateVector;
  context: HashedContext;
  /** Where the candidates' embeddings sit packed (the catalog's rows), to read them there. */
  rows?: CandidateRows;
  /** Per candidate, φ's SIGNAL_COUNT item signals, row-major (`itemSignals`); absent = zeros. */
  signals?: Float64Array;
  k: number;
  epsilon: number;
  rng: Random;
  /** Business rules in candidate terms (`candidateRules`); absent = none. */
  rules?: SlotRules;
  /** Also split each slot's expected reward into its parts. */
  explain?: boolean;
}

/** One chosen slot with everything needed to answer, log and later learn from it. */
export interface RankedSlot extends Omit<RecommendedSlot, "itemId"> {
  item: CatalogItem;
  /** φ as served (copies, float32), to store as the serving context. */
  shared: Float32Array;
  arm: Float32Array;
  /** Placed by a pin (propensity 1), not by the ε-greedy draw. */
  pinned: boolean;
}

/**
 * The policy core shared by the service and the offline evaluator: φ for every candidate, hybrid
 * LinUCB scores, then the ε-greedy slate with exact propensities (DESIGN §3 steps 5–7). Pure: the
 * random source is a parameter.
 */
export function rankSlate(
  bandit: HybridLinUCB,
  spec: FeatureSpec,
  request: RankRequest,
  buffers = new RankBuffers(spec),
): RankedSlot[] {
  const n = request.candidates.length;
  if (n === 0 || request.k <= 0) return [];
  const { features, scores } = buffers.reserve(n);
  const ids: string[] = new Array<string>(n);
  for (let c = 0; c < n; c++) ids[c] = request.candidates[c]!.itemId;
  features.setRequest(request.session, request.longTerm);
  features.setCandidates(request.context, request.candidates, request.signals, request.rows);
  bandit.scoreFactored(ids, features, features.x, scores);
  const rules = request.rules ?? NO_RULES;
  const slate = selectSlate(scores.ucb.subarray(0, n), request.k, request.epsilon, request.rng, rules);
  const shared = buffers.shared;
  const terms = request.explain === true ? new Float64Array(spec.sharedDim) : null;
  // The slots' φ share one array each (views into it): one allocation per request, not two per slot.
  const sharedDim = spec.sharedDim;
  const armDim = spec.armDim;
  const servedShared = new Float32Array(slate.length * sharedDim);
  const servedArm = new Float32Array(slate.length * armDim);
  return slate.map((choice, position) => {
    const c = choice.index;
    materializeShared(features, c, sharedDim, shared, 0);
    const sharedView = servedShared.subarray(position * sharedDim, (position + 1) * sharedDim);
    sharedView.set(shared);
    const armView = servedArm.subarray(position * armDim, (position + 1) * armDim);
    armView.set(features.x.subarray(c * armDim, (c + 1) * armDim));
    const slot: RankedSlot = {
      item: request.candidates[c]!,
      position,
      score: scores.ucb[c]!,
      expectedReward: scores.mean[c]!,
      explorationBonus: scores.bonus[c]!,
      propensity: choice.propensity,
      explored: choice.explored,
      pinned: choice.pinned,
      shared: sharedView,
      arm: armView,
    };
    if (terms !== null) {
      // φ in float64 as scored (`shared` holds it), not the float32 copy the serving context keeps.
      const own = bandit.meanTerms(slot.item.itemId, shared, features.x, terms, 0, c * armDim);
      slot.parts = groupScoreParts(spec, terms, own);
    }
    return slot;
  });
}

/**
 * φ (in factored form) and score arrays reused from one rankSlate call to the next: one per caller
 * that ranks one request at a time, as the engine does.
 */
export class RankBuffers {
  private capacity = 0;
  readonly features: FactoredFeatures;
  /** One candidate's z, written out for the slots served. */
  readonly shared: Float64Array;
  private scores = { mean: new Float64Array(0), bonus: new Float64Array(0), ucb: new Float64Array(0) };

  constructor(spec: FeatureSpec) {
    this.features = new FactoredFeatures(spec);
    this.shared = new Float64Array(spec.sharedDim);
  }

  /** Buffers for at least n candidates (the first n entries are the ones used). */
  reserve(n: number): {
    features: FactoredFeatures;
    scores: { mean: Float64Array; bonus: Float64Array; ucb: Float64Array };
  } {
    if (n > this.capacity) {
      this.capacity = Math.max(n, this.capacity * 2);
      this.scores = {
        mean: new Float64Array(this.capacity),
        bonus: new Float64Array(this.capacity),
        ucb: new Float64Array(this.capacity),
      };
    }
    return { features: this.features, scores: this.scores };
  }
}

/** What scoring reads from a request (a RankRequest fits); `boosts` (per candidate) join the greedy order. */
export type ScoreRequest = Pick<RankRequest, "candidates" | "session" | "longTerm" | "context" | "signals"> & {
  boosts?: ArrayLike<number> | null;
};

/**
 * rankSlate's φ and hybrid-LinUCB scores, into buffers reused across requests: the offline evaluator
 * scores millions of logged events, where allocating φ and score arrays per event would dominate.
 * Scores equal rankSlate's for the same model and request; the greedy first pick is the one
 * `firstSlotDistribution` / `selectSlate` make from them.
 */
export class CandidateScorer {
  private ids: string[] = [];
  private readonly one: string[] = [""];
  private buffers = { mean: new Float64Array(0), bonus: new Float64Array(0), ucb: new Float64Array(0) };
  private readonly single = { mean: new Float64Array(1), bonus: new Float64Array(1), ucb: new Float64Array(1) };
  /** The evaluator scores the same (context, item) pairs row after row: their hashed terms are reused. */
  private readonly features: FactoredFeatures;
  private readonly shared: Float64Array;

  constructor(readonly spec: FeatureSpec) {
    this.features = new FactoredFeatures(spec);
    this.shared = new Float64Array(spec.sharedDim);
  }

  /** UCB of every candidate, in order: a view valid until the next call. */
  scoreAll(bandit: HybridLinUCB, request: ScoreRequest): Float64Array {
    const n = request.candidates.length;
    this.ensureCapacity(n);
    if (this.ids.length !== n) this.ids.length = n;
    for (let c = 0; c < n; c++) this.ids[c] = request.candidates[c]!.itemId;
    this.features.setRequest(request.session, request.longTerm);
    this.features.setCandidates(request.context, request.candidates, request.signals);
    bandit.scoreFactored(this.ids, this.features, this.features.x, this.buffers);
    return this.buffers.ucb.subarray(0, n);
  }

  /**
   * Whether candidate `index` is the greedy first pick (what slot 0 holds when the ε branch is not
   * taken and nothing is pinned): `firstAbove(...) === -1`.
   */
  isGreedyFirst(bandit: HybridLinUCB, request: ScoreRequest, index: number): boolean {
    return this.firstAbove(bandit, request, index) === -1;
  }

  /**
   * A candidate that ranks above candidate `index` in the greedy order, or -1 when none does (it is the
   * greedy pick). Scores the candidate, then `hint` (say, the one that ranked above last time), then
   * the others only until one ranks above it: under a uniform logging policy that is a few candidates
   * instead of all of them. Which candidate is returned may depend on the hint; whether one is, not.
   * Each candidate scores as in scoreAll, to the bit (the same factored arithmetic, one row at a time).
   */
  firstAbove(bandit: HybridLinUCB, request: ScoreRequest, index: number, hint = -1): number {
    const n = request.candidates.length;
    this.features.setRequest(request.session, request.longTerm);
    const boosts = request.boosts ?? null;
    const key = (c: number) => rankingScore(this.ucbOf(bandit, request, c), boosts, c);
    const own = key(index);
    if (hint >= 0 && hint < n && hint !== index && ranksAbove(key(hint), hint, own, index)) return hint;
    for (let c = 0; c < n; c++) {
      if (c === index || c === hint) continue;
      if (ranksAbove(key(c), c, own, index)) return c;
    }
    return -1;
  }

  /**
   * φ of candidate `index` as rankSlate serves it (float32, as the serving context stores it), into the given buffers.
   */
  servedFeatures(request: ScoreRequest, index: number, shared: Float32Array, arm: Float32Array): void {
    this.features.setRequest(request.session, request.longTerm);
    this.setOne(request, index);
    materializeShared(this.features, 0, this.spec.sharedDim, this.shared, 0);
    shared.set(this.shared);
    arm.set(this.features.x.subarray(0, this.spec.armDim));
  }

  /** Candidate c's UCB; the request's P must be set (setRequest). */
  private ucbOf(bandit: HybridLinUCB, request: ScoreRequest, c: number): number {
    this.setOne(request, c);
    this.one[0] = request.candidates[c]!.itemId;
    bandit.scoreFactored(this.one, this.features, this.features.x, this.single);
    return this.single.ucb[0]!;
  }

  private setOne(request: ScoreRequest, c: number): void {
    this.oneItem[0] = request.candidates[c]!;
    if (request.signals) this.oneSignals.set(request.signals.subarray(c * SIGNAL_COUNT, (c + 1) * SIGNAL_COUNT));
    else this.oneSignals.fill(0);
    this.features.setCandidates(request.context, this.oneItem, this.oneSignals);
  }

  private readonly oneItem: CatalogItem[] = [];
  private readonly oneSignals = new Float64Array(SIGNAL_COUNT);

  private ensureCapacity(n: number): void {
    if (this.buffers.ucb.length >= n) return;
    const size = Math.max(n, this.buffers.ucb.length * 2, 16);
    this.buffers = { mean: new Float64Array(size), bonus: new Float64Array(size), ucb: new Float64Array(size) };
  }
}
