import { SIGNALS, type FeatureSpec } from "./features";

/**
 * A candidate's expected reward split by where it comes from. With β̂ the shared coefficients and θ̂
 * the item's own, expected reward = Σ_i β̂_i·z_i + θ̂·x; each shared term goes to the part of φ's block
 * it belongs to, and θ̂·x (the item's own base rate and trust in s·v and l·v) is `item`. The parts sum to
 * the expected reward up to rounding.
 */
export interface ScoreParts {
  /** s⊙v, s·v, and the session category share and centroid signals. */
  session: number;
  /** l⊙v, l·v, and the long-term centroid signal. */
  longTerm: number;
  /** The hashed context and context × item-field crosses. */
  context: number;
  /** θ̂·x: what the model learned about this item itself. */
  item: number;
  /** The popularity-lift signal. */
  popularity: number;
  /** The constant feature: the shared intercept. */
  bias: number;
}

/**
 * Groups the shared terms β̂_i·z_i (`terms`, sharedDim values, as `HybridLinUCB.meanTerms` writes them)
 * by φ's blocks (`featureLayout`), with the item's own part θ̂·x.
 */
export function groupScoreParts(spec: FeatureSpec, terms: ArrayLike<number>, item: number): ScoreParts {
  const sum = (from: number, to: number) => {
    let total = 0;
    for (let i = from; i < to; i++) total += terms[i]!;
    return total;
  };
  const d = spec.dim;
  const signal = (i: number) => terms[spec.signalOffset + i]!;
  return {
    session:
      sum(spec.sessionOffset, spec.sessionOffset + d) +
      terms[spec.similarityOffset]! +
      signal(SIGNALS.sessionCategory) +
      signal(SIGNALS.sessionCentroid),
    longTerm:
      sum(spec.longTermOffset, spec.longTermOffset + d) +
      terms[spec.similarityOffset + 1]! +
      signal(SIGNALS.longTermCentroid),
    context: sum(spec.hashedOffset, spec.hashedOffset + spec.hashBuckets),
    item,
    popularity: signal(SIGNALS.popularityLift),
    bias: terms[spec.biasOffset]!,
  };
}
