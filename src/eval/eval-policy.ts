import type { Random } from "../bandit/rng";
import type { Decision } from "./decision";

/**
 * A target policy as the estimators query it. Every policy fills slot 0 the way the service does
 * (src/bandit/slate.ts), under the decision's rules (`Decision.rules`): the first pin when the row has
 * one, else with probability ε a uniformly random candidate, else the greedy best by its score plus
 * its boost (ties to the earlier candidate).
 */
export interface EvalPolicy {
  readonly name: string;
  /** False when `learn` changes nothing: one instance then serves every estimator. */
  readonly learns: boolean;
  /**
   * Replay: draws the slot-0 choice from `rng` exactly as selectSlate does for slot 0 (one draw for the
   * ε coin, one more for the uniform pick when it comes up) and tells whether it is the logged item.
   */
  choosesLogged(decision: Decision, rng: Random): boolean;
  /** π(logged item at slot 0 | x): what IPS, SNIPS and DR weigh by. */
  probabilityOfLogged(decision: Decision): number;
  /** π(· at slot 0 | x) of every candidate into out[0 .. decision.size): what DR's direct part needs. */
  distribution(decision: Decision, out: Float64Array): void;
  /** Learns the logged item's reward (the caller decides on which rows: see `evaluate`). */
  learn(decision: Decision): void;
}
