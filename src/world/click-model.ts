import {
  DEVICES,
  PAGES,
  dot,
  type Device,
  type Page,
  type World,
  type WorldContext,
  type WorldItem,
  type WorldSession,
} from "./world";

/** The parts of the click logit, for explaining why an item is (not) clicked. */
export interface ClickLogitParts {
  base: number;
  /** intentStrength × (embedding · intent centroid): what this visit is about. */
  intent: number;
  /** tasteStrength × (embedding · long-term taste): what this user likes over months. */
  taste: number;
  /** Device and page × price band and color. */
  context: number;
  quality: number;
}

/** The click logit at slot 0, split into its parts. */
export function clickLogitParts(
  world: World,
  session: WorldSession,
  item: WorldItem,
  context: WorldContext,
): ClickLogitParts {
  const { params, intentAffinity } = world;
  return {
    base: logit(params.baseClickRate),
    intent: params.intentStrength * intentAffinity[item.index * params.categories + session.intent]!,
    taste: params.tasteStrength * dot(item.embedding, session.user.taste),
    context: contextLogit(world, context, item),
    quality: item.quality,
  };
}

/**
 * The ground-truth chance that the shopper clicks `item` shown at slot `position` (0-based) in this
 * session and context: a logistic of intent affinity (strong), long-term taste (medium), the
 * context × attribute effect and item quality, times the position discount 1 / (1 + position)^bias.
 */
export function clickProbability(
  world: World,
  session: WorldSession,
  item: WorldItem,
  position: number,
  context: WorldContext,
): number {
  const { params, intentAffinity } = world;
  const z =
    logit(params.baseClickRate) +
    params.intentStrength * intentAffinity[item.index * params.categories + session.intent]! +
    params.tasteStrength * dot(item.embedding, session.user.taste) +
    contextLogit(world, context, item) +
    item.quality;
  const probability = 1 / (1 + Math.exp(-z));
  return position === 0 ? probability : probability * positionDiscount(world, position);
}

/** How much less a slot is clicked than slot 0 (1 at slot 0). */
export function positionDiscount(world: World, position: number): number {
  return 1 / (1 + position) ** world.params.positionBias;
}

const DEVICE_INDEX = Object.fromEntries(DEVICES.map((d, i) => [d, i])) as Record<Device, number>;
const PAGE_INDEX = Object.fromEntries(PAGES.map((p, i) => [p, i])) as Record<Page, number>;

/** The context × attribute part of the click logit: what hashed context×attribute crosses can learn. */
export function contextLogit(world: World, context: WorldContext, item: WorldItem): number {
  const { priceBands, colors } = world.params;
  const effects = world.contextEffects;
  const device = DEVICE_INDEX[context.device];
  const page = PAGE_INDEX[context.page];
  return (
    effects.devicePrice[device * priceBands + item.priceBand]! +
    effects.deviceColor[device * colors + item.color]! +
    effects.pagePrice[page * priceBands + item.priceBand]! +
    effects.pageColor[page * colors + item.color]!
  );
}

/** What may follow a click, for mapping clicks to richer rewards (add-to-cart, purchase). */
export interface ConversionProbabilities {
  /** P(add to cart | click). */
  addToCart: number;
  /** P(purchase | add to cart). */
  purchaseGivenAddToCart: number;
}

/**
 * Items on the session intent turn into carts more often (a shopper buys what they came for); cheaper
 * price bands turn into purchases more often.
 */
export function conversionProbabilities(world: World, session: WorldSession, item: WorldItem): ConversionProbabilities {
  const { params, intentAffinity } = world;
  const onIntent = Math.max(0, intentAffinity[item.index * params.categories + session.intent]!);
  const bandShare = params.priceBands > 1 ? item.priceBand / (params.priceBands - 1) : 0;
  return {
    addToCart: params.addToCartRate * (0.25 + 0.75 * Math.min(1, onIntent / 0.85)),
    purchaseGivenAddToCart: params.purchaseRate * (1 - 0.5 * bandShare),
  };
}

/** The candidate with the highest true click probability at `position`, and that probability. */
export function oracleChoice(
  world: World,
  session: WorldSession,
  context: WorldContext,
  candidates: readonly number[],
  position = 0,
): { itemIndex: number; clickProbability: number } {
  let best = -1;
  let bestProbability = -1;
  for (const index of candidates) {
    const p = clickProbability(world, session, world.items[index]!, position, context);
    if (p > bestProbability) {
      best = index;
      bestProbability = p;
    }
  }
  if (best < 0) throw new RangeError("oracleChoice needs at least one candidate");
  return { itemIndex: best, clickProbability: bestProbability };
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}
