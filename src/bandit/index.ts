/** The bandit's pure math: models, exploration, features. No I/O, no clock, no globals. */
export { LinUCB, type LinUCBOptions, type LinUCBState, type Score, type ScoreBuffers } from "./linucb";
export { HybridLinUCB, type HybridLinUCBOptions } from "./hybrid";
export { allocateFeatures, buildFeatures, featureLayout, hashContext, type FeatureItem, type FeatureLayoutOptions, type FeatureSpec, type HashedContext, type StateVector } from "./features";
export { firstSlotDistribution, selectSlate, slateProbability, type SlateChoice, type Scores } from "./slate";
export { gaussian, randomIndex, seededRandom, type Random } from "./rng";
export type { Vector } from "./dense";
