import { resolveWorldParams, type WorldParams } from "./params";
import { createRandom, type Random } from "./random";

export const DEVICES = ["mobile", "desktop"] as const;
export const PAGES = ["home", "product", "cart"] as const;
export type Device = (typeof DEVICES)[number];
export type Page = (typeof PAGES)[number];

/** What the storefront knows about a request besides who asks: visible to every policy. */
export interface WorldContext {
  device: Device;
  page: Page;
}

const COLOR_NAMES = [
  "black",
  "white",
  "grey",
  "navy",
  "blue",
  "green",
  "red",
  "pink",
  "beige",
  "brown",
  "yellow",
  "purple",
];

export interface WorldItem {
  /** Position in `world.items`. */
  index: number;
  itemId: string;
  category: number;
  /** Unit length: the embedding that drives clicks. */
  embedding: Float32Array;
  /** Unit length: what the catalog shows policies (`embedding` itself when `observationNoise` is 0). */
  observedEmbedding: Float32Array;
  brand: number;
  color: number;
  /** 0 = cheapest. */
  priceBand: number;
  /** Hidden logit offset: brand reputation plus the item's own appeal. */
  quality: number;
}

export interface WorldUser {
  index: number;
  userId: string;
  /** The 1–3 categories the user likes over the long term, and how much (weights sum to 1). */
  tasteCategories: number[];
  tasteWeights: number[];
  /** Unit-length long-term taste vector: the weighted mix of the taste categories' centroids, plus a personal twist. */
  taste: Float32Array;
  /** Chance that one of the user's sessions is on mobile. */
  mobileLean: number;
  /** Relative rate at which the user comes back (heavy-tailed: a few users return often). */
  activity: number;
}

/** A shopper's visit. `intent` is hidden from every policy: only clicks reveal it. */
export interface WorldSession {
  sessionId: string;
  user: WorldUser;
  /** The category the shopper is after in this visit. */
  intent: number;
  device: Device;
  startMs: number;
}

/** The context × attribute effects on the click logit, one table per (context feature, attribute). */
export interface ContextEffects {
  /** [device][priceBand] */
  devicePrice: Float64Array;
  /** [device][color] */
  deviceColor: Float64Array;
  /** [page][priceBand] */
  pagePrice: Float64Array;
  /** [page][color] */
  pageColor: Float64Array;
}

export interface World {
  params: WorldParams;
  seed: string;
  categoryNames: string[];
  colorNames: string[];
  /** Unit-length category centroids. */
  centroids: Float32Array[];
  /** Relative share of users whose taste includes each category. */
  categoryPopularity: number[];
  items: WorldItem[];
  itemsByCategory: number[][];
  itemIndexById: Map<string, number>;
  users: WorldUser[];
  /** Cumulative user activity, for drawing who starts the next session. */
  userActivityCumulative: Float64Array;
  /** `intentAffinity[item * categories + c]` = embedding · centroid c, cached for the click model. */
  intentAffinity: Float32Array;
  contextEffects: ContextEffects;
}

/** Builds the whole storefront from the parameters (defaults filled) and the seed; same inputs, same world. */
export function createWorld(overrides: Partial<WorldParams> = {}, seed: number | string = 42): World {
  const params = resolveWorldParams(overrides);
  const root = createRandom(`world:${seed}`);
  const { dim, categories } = params;

  const centroidRng = root.fork("centroids");
  const centroids = Array.from({ length: categories }, () => randomUnitVector(centroidRng, dim));
  const categoryPopularity = Array.from({ length: categories }, (_, c) => 1 / (c + 1) ** 0.8);

  const brandRng = root.fork("brands");
  const brandQuality = Array.from({ length: params.brands }, () => 0.5 * params.itemQuality * brandRng.normal());

  const itemRng = root.fork("items");
  const items: WorldItem[] = [];
  const itemsByCategory: number[][] = Array.from({ length: categories }, () => []);
  for (let index = 0; index < params.items; index++) {
    const category = itemRng.int(categories);
    const embedding = new Float32Array(dim);
    const centroid = centroids[category]!;
    const noiseScale = params.itemSpread / Math.sqrt(dim);
    for (let d = 0; d < dim; d++) embedding[d] = centroid[d]! + noiseScale * itemRng.normal();
    normalize(embedding);
    const brand = itemRng.int(params.brands);
    items.push({
      index,
      itemId: `i${pad(index, params.items)}`,
      category,
      embedding,
      observedEmbedding: embedding,
      brand,
      color: itemRng.int(params.colors),
      priceBand: itemRng.int(params.priceBands),
      quality: brandQuality[brand]! + params.itemQuality * itemRng.normal(),
    });
    itemsByCategory[category]!.push(index);
  }

  // Its own stream, so a noiseless world is draw for draw the world it was before noise existed.
  if (params.observationNoise > 0) {
    const observationRng = root.fork("observation");
    const noiseScale = params.observationNoise / Math.sqrt(dim);
    for (const item of items) {
      const observed = Float32Array.from(item.embedding, (x) => x + noiseScale * observationRng.normal());
      normalize(observed);
      item.observedEmbedding = observed;
    }
  }

  const userRng = root.fork("users");
  const users: WorldUser[] = [];
  const userActivityCumulative = new Float64Array(params.users);
  let activityTotal = 0;
  for (let index = 0; index < params.users; index++) {
    const user = createUser(userRng, index, params, centroids, categoryPopularity);
    users.push(user);
    activityTotal += user.activity;
    userActivityCumulative[index] = activityTotal;
  }

  const intentAffinity = new Float32Array(params.items * categories);
  for (const item of items) {
    for (let c = 0; c < categories; c++)
      intentAffinity[item.index * categories + c] = dot(item.embedding, centroids[c]!);
  }

  const effectRng = root.fork("context-effects");
  const table = (rows: number, cols: number) =>
    Float64Array.from({ length: rows * cols }, () => params.contextEffect * effectRng.normal());
  const contextEffects: ContextEffects = {
    devicePrice: table(DEVICES.length, params.priceBands),
    deviceColor: table(DEVICES.length, params.colors),
    pagePrice: table(PAGES.length, params.priceBands),
    pageColor: table(PAGES.length, params.colors),
  };

  return {
    params,
    seed: String(seed),
    categoryNames: Array.from({ length: categories }, (_, c) => `cat_${padName(c, categories)}`),
    colorNames: COLOR_NAMES.slice(0, params.colors),
    centroids,
    categoryPopularity,
    items,
    itemsByCategory,
    itemIndexById: new Map(items.map((item) => [item.itemId, item.index])),
    users,
    userActivityCumulative,
    intentAffinity,
    contextEffects,
  };
}

function createUser(
  rng: Random,
  index: number,
  params: WorldParams,
  centroids: Float32Array[],
  categoryPopularity: number[],
): WorldUser {
  const tasteCount = Math.min(1 + rng.int(3), params.categories);
  const tasteCategories: number[] = [];
  const available = [...categoryPopularity];
  for (let k = 0; k < tasteCount; k++) {
    const c = rng.weightedIndex(available);
    tasteCategories.push(c);
    available[c] = 0;
  }
  const raw = tasteCategories.map(() => rng.gamma(params.tasteConcentration) + 1e-9);
  const rawTotal = raw.reduce((a, b) => a + b, 0);
  const tasteWeights = raw.map((w) => w / rawTotal);
  const taste = new Float32Array(params.dim);
  tasteCategories.forEach((c, k) => {
    for (let d = 0; d < params.dim; d++) taste[d] += tasteWeights[k]! * centroids[c]![d]!;
  });
  const twist = 0.3 / Math.sqrt(params.dim);
  for (let d = 0; d < params.dim; d++) taste[d] += twist * rng.normal();
  normalize(taste);
  return {
    index,
    userId: `u${pad(index, params.users)}`,
    tasteCategories,
    tasteWeights,
    taste,
    mobileLean: Math.min(0.95, Math.max(0.05, params.mobileShare + 0.25 * rng.normal())),
    activity: Math.exp(rng.normal()),
  };
}

/** Price band as the catalog shows it ("1" = cheapest), and the other attributes by name. */
export function itemAttributes(world: World, item: WorldItem): Record<string, string> {
  return {
    brand: `brand_${padName(item.brand, world.params.brands)}`,
    color: world.colorNames[item.color]!,
    price_band: String(item.priceBand + 1),
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function normalize(v: Float32Array): void {
  const norm = Math.sqrt(dot(v, v));
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
}

function randomUnitVector(rng: Random, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => rng.normal());
  normalize(v);
  return v;
}

/** Zero-padded to the digits the count needs (at least 2), for category and brand names. */
function padName(index: number, count: number): string {
  return String(index).padStart(Math.max(2, String(Math.max(count - 1, 0)).length), "0");
}

/** Zero-padded so ids sort in creation order: at least 4 digits, more when the count needs them. */
export function pad(index: number, count: number): string {
  return String(index).padStart(Math.max(4, String(Math.max(count - 1, 0)).length), "0");
}
