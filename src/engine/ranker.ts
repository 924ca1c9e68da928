import { allocateFeatures, buildFeatures, type HashedContext, type StateVector } from "../bandit/features";
import type { HybridLinUCB } from "../bandit/hybrid";
import type { Random } from "../bandit/rng";
import { selectSlate } from "../bandit/slate";
import type { FeatureSpec } from "../bandit/features";
import type { CatalogItem } from "../state/ports";


export interface RankRequest {
  candidates: readonly CatalogItem[];
  session: StateVector;
  longTerm: StateVector;
  context: HashedContext;
  k: number;
  epsilon: number;
  rng: Random;
}

/** One chosen slot with everything needed to answer, log and later learn from it. */
export interface RankedSlot {
  item: CatalogItem;
  position: number;
  score: number;
  expectedReward: number;
  explorationBonus: number;
  propensity: number;
  explored: boolean;
  /** φ as served (copies, float32), to store as the serving context. */
  shared: Float32Array;
  arm: Float32Array;
}

/**
 * The policy core shared by the service and the offline evaluator: φ for every candidate, hybrid
 * LinUCB scores, then the ε-greedy slate with exact propensities (DESIGN §3 steps 5–7). Pure: the
 * random source is a parameter.
 */
export function rankSlate(bandit: HybridLinUCB, spec: FeatureSpec, request: RankRequest): RankedSlot[] {
  const n = request.candidates.length;
  if (n === 0 || request.k <= 0) return [];
  const { z, x } = allocateFeatures(spec, n);
  const ids: string[] = new Array<string>(n);
  for (let c = 0; c < n; c++) {
    const item = request.candidates[c]!;
    ids[c] = item.itemId;
    buildFeatures(spec, request.session, request.longTerm, request.context, item, z, x, c);
  }
  const scores = { mean: new Float64Array(n), bonus: new Float64Array(n), ucb: new Float64Array(n) };
  bandit.scoreMany(ids, z, x, scores);
  const slate = selectSlate(scores.ucb, request.k, request.epsilon, request.rng);
  return slate.map((choice, position) => {
    const c = choice.index;
    return {
      item: request.candidates[c]!,
      position,
      score: scores.ucb[c]!,
      expectedReward: scores.mean[c]!,
      explorationBonus: scores.bonus[c]!,
      propensity: choice.propensity,
      explored: choice.explored,
      shared: Float32Array.from(z.subarray(c * spec.sharedDim, (c + 1) * spec.sharedDim)),
      arm: Float32Array.from(x.subarray(c * spec.armDim, (c + 1) * spec.armDim)),
    };
  });
}
