import { randomIndex, type Random } from "../bandit/rng";
import { firstSlotDistribution } from "../bandit/slate";
import { OnlineModel } from "../engine/model";
import { CandidateScorer } from "../engine/ranker";
import type { Decision, EvalCatalog } from "./decision";
import type { EvalPolicy } from "./eval-policy";
import type { EvalPolicySpec } from "./policy-spec";

/**
 * The service's policy, offline: its OnlineModel (hybrid LinUCB over φ), scored through the ranker's
 * CandidateScorer (rankSlate's φ and scores) and filled as selectSlate fills slot 0. Learning applies
 * the same ModelUpdate the feedback path applies: φ of the shown item as served (float32), the reward.
 */
export class LinUCBPolicy implements EvalPolicy {
  readonly learns = true;
  readonly model: OnlineModel;
  private readonly scorer: CandidateScorer;
  private readonly epsilon: number;
  private readonly shared: Float32Array;
  private readonly arm: Float32Array;
  /**
   * Per candidate list, the candidate that last ranked above the logged item: usually the greedy pick, so tried first.
   */
  private readonly lastAbove = new WeakMap<object, number>();

  constructor(
    catalog: EvalCatalog,
    spec: Extract<EvalPolicySpec, { kind: "linucb" }>,
    readonly name: string,
  ) {
    this.model = OnlineModel.create({
      dim: catalog.dim,
      alpha: spec.alpha,
      useSession: spec.session,
      useLongTerm: spec.longTerm,
      maxArms: Math.max(10_000, catalog.size),
    });
    this.scorer = new CandidateScorer(this.model.spec);
    this.epsilon = spec.epsilon;
    this.shared = new Float32Array(this.model.spec.sharedDim);
    this.arm = new Float32Array(this.model.spec.armDim);
  }

  /**
   * Replay needs only whether the logged item is the greedy pick, so scoring stops at the first
   * candidate above it. A pinned slot 0 takes no draw, as in selectSlate; with nothing taken yet the cap
   * leaves every candidate eligible, so slot 0's uniform draw is over all of them.
   */
  choosesLogged(decision: Decision, rng: Random): boolean {
    const pinned = decision.firstPinned();
    if (pinned >= 0) return pinned === decision.logged;
    if (rng() < this.epsilon) return randomIndex(rng, decision.size) === decision.logged;
    return this.isGreedy(decision);
  }

  probabilityOfLogged(decision: Decision): number {
    const pinned = decision.firstPinned();
    if (pinned >= 0) return pinned === decision.logged ? 1 : 0;
    const greedy = this.epsilon < 1 && this.isGreedy(decision);
    return this.epsilon / decision.size + (greedy ? 1 - this.epsilon : 0);
  }

  private isGreedy(decision: Decision): boolean {
    const hint = this.lastAbove.get(decision.candidates) ?? -1;
    const above = this.scorer.firstAbove(this.model.bandit, decision.scoreRequest(), decision.logged, hint);
    if (above >= 0) this.lastAbove.set(decision.candidates, above);
    return above === -1;
  }

  distribution(decision: Decision, out: Float64Array): void {
    const scores = this.scorer.scoreAll(this.model.bandit, decision.scoreRequest());
    out.set(firstSlotDistribution(scores, this.epsilon, decision.rules()));
  }

  learn(decision: Decision): void {
    this.scorer.servedFeatures(decision.scoreRequest(), decision.logged, this.shared, this.arm);
    this.model.apply({ itemId: decision.row.itemId, shared: this.shared, arm: this.arm, reward: decision.reward });
  }
}
