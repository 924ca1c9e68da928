import { meanRewardBaseline, popularityBaseline, uniformBaseline, type ItemBaseline } from "../bandit/baselines";
import { randomIndex } from "../bandit/rng";
import { firstSlotDistribution } from "../bandit/slate";
import type { CatalogItem } from "../state/ports";
import type { Decision, EvalCatalog } from "./decision";
import type { EvalPolicy } from "./eval-policy";
import { LinUCBPolicy } from "./linucb-policy";
import { policySpecName, type EvalPolicySpec } from "./policy-spec";

/** What an ε-greedy policy over a per-candidate score needs. */
export interface ScoredPolicyOptions {
  name: string;
  epsilon: number;
  learns: boolean;
  /** The greedy score of candidate `c` of the decision. */
  score(decision: Decision, c: number): number;
  learn?(decision: Decision): void;
}

/** An ε-greedy policy over a cheap score, through the service's own first-slot distribution. */
export function scoredPolicy(options: ScoredPolicyOptions): EvalPolicy {
  const { epsilon } = options;
  let scores = new Float64Array(64);
  const distributionOf = (decision: Decision): Float64Array => {
    const n = decision.size;
    if (scores.length < n) scores = new Float64Array(Math.max(n, scores.length * 2));
    for (let c = 0; c < n; c++) scores[c] = options.score(decision, c);
    return firstSlotDistribution(scores.subarray(0, n), epsilon, decision.rules());
  };
  // Uniform (ε = 1) needs no scores, unless a pin decides slot 0.
  const uniform = (decision: Decision) => epsilon === 1 && decision.firstPinned() < 0;
  return {
    name: options.name,
    learns: options.learns,
    choosesLogged(decision, rng) {
      // Scores only when the greedy branch needs them; the draws are selectSlate's either way (none for a pin).
      const pinned = decision.firstPinned();
      if (pinned >= 0) return pinned === decision.logged;
      if (epsilon === 1 || rng() < epsilon) return randomIndex(rng, decision.size) === decision.logged;
      const distribution = distributionOf(decision);
      // The greedy candidate is the one holding more than the uniform share ε/n (ε < 1 here).
      return distribution[decision.logged]! > epsilon / decision.size;
    },
    probabilityOfLogged: (decision) =>
      uniform(decision) ? 1 / decision.size : distributionOf(decision)[decision.logged]!,
    distribution(decision, out) {
      out.set(uniform(decision) ? new Float64Array(decision.size).fill(1 / decision.size) : distributionOf(decision));
    },
    learn: (decision) => options.learn?.(decision),
  };
}

/** A policy that never learns: ε-greedy over a fixed score of each item (and the row, if it likes). */
export function staticPolicy(
  name: string,
  epsilon: number,
  score: (item: CatalogItem, catalogIndex: number, decision: Decision) => number,
): EvalPolicy {
  return scoredPolicy({
    name,
    epsilon,
    learns: false,
    score: (d, c) => score(d.candidates.items[c]!, d.candidates.indices[c]!, d),
  });
}

/**
 * A baseline of src/bandit/baselines.ts as a target policy: its score per candidate, learning each row's logged reward.
 */
export function baselinePolicy(baseline: ItemBaseline): EvalPolicy {
  return scoredPolicy({
    name: baseline.name,
    epsilon: baseline.epsilon,
    learns: baseline.learns,
    score: (d, c) => baseline.score(d.candidates.indices[c]!),
    learn: (d) => baseline.learn(d.candidates.indices[d.logged]!, d.reward),
  });
}

/** Uniform over the candidates. */
export function randomPolicy(): EvalPolicy {
  return baselinePolicy(uniformBaseline());
}

/** The candidate with the most positive rewards among the rows it learned from (ties: the earlier candidate). */
export function popularityPolicy(catalog: EvalCatalog, epsilon: number, name = "popularity"): EvalPolicy {
  return baselinePolicy(popularityBaseline(catalog.size, epsilon, name));
}

/** Greedy on each item's online mean reward (see `meanRewardBaseline`), uniform with probability ε. */
export function egreedyPolicy(catalog: EvalCatalog, epsilon: number, name = `egreedy:epsilon=${epsilon}`): EvalPolicy {
  return baselinePolicy(meanRewardBaseline(catalog.size, epsilon, name));
}

/** A fresh policy for a spec (fresh: learning policies start from nothing). */
export function createPolicy(spec: EvalPolicySpec, catalog: EvalCatalog): EvalPolicy {
  const name = policySpecName(spec);
  switch (spec.kind) {
    case "random":
      return randomPolicy();
    case "popularity":
      return popularityPolicy(catalog, spec.epsilon, name);
    case "egreedy":
      return egreedyPolicy(catalog, spec.epsilon, name);
    case "linucb":
      return new LinUCBPolicy(catalog, spec, name);
  }
}
