import { InvalidArgument } from "../errors";

/** The knobs of the synthetic storefront. Every one has a default and is exposed as a CLI flag. */
export interface WorldParams {
  /** Catalog size. */
  items: number;
  /** Embedding dimension of items (and of category centroids and user tastes). */
  dim: number;
  categories: number;
  brands: number;
  colors: number;
  priceBands: number;
  users: number;
  /** How far items scatter around their category centroid (0 = on it). */
  itemSpread: number;
  /** Dirichlet concentration of a user's weights over their 1–3 taste categories (low = one dominates). */
  tasteConcentration: number;
  /** Chance that a session's hidden intent is one of the user's taste categories (else any category). */
  intentFromTaste: number;
  /** Logit weight of the item's affinity to the session intent: the strongest signal. */
  intentStrength: number;
  /** Logit weight of the item's affinity to the user's long-term taste. */
  tasteStrength: number;
  /** Standard deviation of the context × attribute logit effects (device, page × price band, color). */
  contextEffect: number;
  /** Standard deviation of the per-item quality logit. */
  itemQuality: number;
  /** Click probability of an item with no affinity, no context effect and average quality, at slot 0. */
  baseClickRate: number;
  /** Slot p is clicked with the slot-0 probability times 1 / (1 + p)^positionBias. */
  positionBias: number;
  /** Chance that a click goes on to an add-to-cart, for an item fully on the session intent. */
  addToCartRate: number;
  /** Chance that an add-to-cart becomes a purchase, for the cheapest price band. */
  purchaseRate: number;
  /** Share of sessions on a mobile device (each user leans one way around it). */
  mobileShare: number;
  /** Mean number of recommendation requests (decisions) per session. */
  decisionsPerSession: number;
  /** Chance of an organic click (browsing, not from a recommendation) before each decision. */
  browseRate: number;
  /** Mean seconds between a session's events. */
  eventGapSeconds: number;
  /** New sessions per hour of simulated time (sessions overlap). */
  sessionsPerHour: number;
  /**
   * Noise between the embedding that drives clicks and the one the catalog shows policies: the catalog
   * holds normalize(e + σ·g/√d), g standard normal. 0 = the catalog's embeddings are the true ones; 1.4
   * brings two items of one category from a cosine of ~0.7 down to ~0.25, as real catalogs' text or
   * image embeddings often are.
   */
  observationNoise: number;
  /** 1 = the storefront sends the request context (device, page) with each request; 0 = it sends none. */
  contextShown: number;
}

interface ParamSpec {
  default: number;
  min: number;
  max: number;
  integer: boolean;
  description: string;
}

const spec = (value: number, min: number, max: number, integer: boolean, description: string): ParamSpec => ({
  default: value,
  min,
  max,
  integer,
  description,
});

/** Default, bounds and description of each parameter, for validation and for CLI help. */
export const WORLD_PARAM_SPECS: Readonly<Record<keyof WorldParams, ParamSpec>> = {
  items: spec(2000, 2, 1_000_000, true, "items in the catalog"),
  dim: spec(32, 2, 512, true, "embedding dimension"),
  categories: spec(20, 1, 1000, true, "item categories"),
  brands: spec(50, 1, 10_000, true, "distinct brands"),
  colors: spec(12, 1, 12, true, "distinct colors"),
  priceBands: spec(5, 1, 20, true, "price bands"),
  users: spec(5000, 1, 10_000_000, true, "users"),
  itemSpread: spec(0.6, 0, 10, false, "scatter of items around their category centroid"),
  tasteConcentration: spec(1, 0.01, 100, false, "Dirichlet concentration of a user's taste over 1-3 categories"),
  intentFromTaste: spec(0.7, 0, 1, false, "chance a session's intent is one of the user's taste categories"),
  intentStrength: spec(3, 0, 20, false, "logit weight of affinity to the session intent"),
  tasteStrength: spec(1.2, 0, 20, false, "logit weight of affinity to the long-term taste"),
  contextEffect: spec(0.3, 0, 5, false, "sd of context x attribute logit effects"),
  itemQuality: spec(0.4, 0, 5, false, "sd of per-item quality logit"),
  baseClickRate: spec(0.01, 1e-6, 0.5, false, "click rate of a neutral item at slot 0"),
  positionBias: spec(1, 0, 5, false, "exponent of the position discount 1/(1+p)^b"),
  addToCartRate: spec(0.3, 0, 1, false, "P(add to cart | click) for an on-intent item"),
  purchaseRate: spec(0.5, 0, 1, false, "P(purchase | add to cart) in the cheapest band"),
  mobileShare: spec(0.6, 0, 1, false, "share of sessions on mobile"),
  decisionsPerSession: spec(4, 1, 1000, false, "mean recommendation requests per session"),
  browseRate: spec(0.6, 0, 1, false, "chance of an organic click before each decision"),
  eventGapSeconds: spec(30, 0.001, 86_400, false, "mean seconds between a session's events"),
  sessionsPerHour: spec(600, 0.001, 1e9, false, "new sessions per simulated hour"),
  observationNoise: spec(0, 0, 10, false, "noise between the true embeddings and the catalog's (0 = none)"),
  contextShown: spec(1, 0, 1, true, "1 = requests carry the context (device, page), 0 = none"),
};

/** Every parameter at its default. */
export const DEFAULT_WORLD_PARAMS: Readonly<WorldParams> = Object.freeze(
  Object.fromEntries(Object.entries(WORLD_PARAM_SPECS).map(([name, s]) => [name, s.default])) as unknown as WorldParams,
);

/** Fills defaults and checks bounds; a bad value throws `InvalidArgument` naming the parameter. */
export function resolveWorldParams(overrides: Partial<WorldParams> = {}): WorldParams {
  const resolved = { ...DEFAULT_WORLD_PARAMS };
  for (const [name, value] of Object.entries(overrides) as [keyof WorldParams, number | undefined][]) {
    const s = WORLD_PARAM_SPECS[name];
    if (!s)
      throw new InvalidArgument(
        `unknown world parameter "${name}"; known: ${Object.keys(WORLD_PARAM_SPECS).join(", ")}`,
      );
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new InvalidArgument(`world parameter "${name}" must be a finite number, got ${String(value)}`);
    if (s.integer && !Number.isInteger(value))
      throw new InvalidArgument(`world parameter "${name}" must be a whole number, got ${value}`);
    if (value < s.min || value > s.max)
      throw new InvalidArgument(`world parameter "${name}" must be in [${s.min}, ${s.max}], got ${value}`);
    resolved[name] = value;
  }
  return resolved;
}
