/**
 * The synthetic storefront: a seeded world with a known ground truth, used by the sample data, the
 * offline-evaluation logs and the online simulator.
 */
export { DEFAULT_WORLD_PARAMS, WORLD_PARAM_SPECS, resolveWorldParams, type WorldParams } from "./params";
export { createRandom, type Random } from "./random";
export {
  DEVICES,
  PAGES,
  createWorld,
  itemAttributes,
  type Device,
  type Page,
  type World,
  type WorldContext,
  type WorldItem,
  type WorldSession,
  type WorldUser,
} from "./world";
export {
  clickLogitParts,
  clickProbability,
  contextLogit,
  conversionProbabilities,
  oracleChoice,
  positionDiscount,
  type ClickLogitParts,
  type ConversionProbabilities,
} from "./click-model";
export {
  WORLD_EPOCH_MS,
  sessionStream,
  type BrowseEvent,
  type DecisionEvent,
  type SessionStreamOptions,
  type StreamEvent,
} from "./sessions";
export {
  SHELF_ROTATION_MS,
  actionProbabilities,
  candidateShelves,
  itemPopularity,
  policyName,
  shelfAt,
  staticScorer,
  trueValue,
  trueValues,
  type PolicySpec,
  type TrueValue,
  type TrueValueOptions,
} from "./policies";
export { catalogItems, generateLog, loggingPolicySpec, type LogOptions } from "./log-generator";
export {
  generateSampleData,
  referencePolicies,
  type GeneratedFile,
  type SampleDataManifest,
  type SampleDataOptions,
  type SampleDataProgress,
} from "./generate-sample";
