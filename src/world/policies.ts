import { uniformBaseline, type ItemBaseline } from "../bandit/baselines";
import { firstSlotDistribution } from "../bandit/slate";
import { clickProbability, contextLogit } from "./click-model";
import { createRandom } from "./random";
import { WORLD_EPOCH_MS, sessionStream } from "./sessions";
import { PAGES, type World, type WorldContext, type WorldSession } from "./world";

/**
 * The reference policies whose true value the world knows. Each picks one item for slot 0 from a
 * candidate set.
 * - `random`: uniform over the candidates (the uniform logging policy).
 * - `popularity`: the candidate with the highest true click rate over all sessions (what a perfect
 *   popularity count would converge to); ignores user, session and context.
 * - `egreedy`: the ε-greedy logging policy: with probability 1 − ε the best candidate by a noisy static
 *   score (estimated popularity plus a context adjustment, with errors), else uniform. ε = 0 is the
 *   static greedy policy alone.
 * - `oracle`: the candidate with the highest true click probability for this very session; an upper
 *   bound no real policy reaches, since it sees the hidden intent.
 */
export type PolicySpec =
  | { kind: "random" }
  | { kind: "popularity" }
  | { kind: "egreedy"; epsilon: number }
  | { kind: "oracle" };

/** A short name for reports: "random", "popularity", "egreedy(0.2)", "oracle". */
export function policyName(spec: PolicySpec): string {
  return spec.kind === "egreedy" ? `egreedy(${spec.epsilon})` : spec.kind;
}

/**
 * The probability with which the policy picks each candidate (same order as `candidates`): the
 * ε-greedy rule the service, the evaluator and the baselines share (`firstSlotDistribution`; ties go to
 * the earlier candidate), over each policy's score.
 */
export function actionProbabilities(
  world: World,
  spec: PolicySpec,
  session: WorldSession,
  context: WorldContext,
  candidates: readonly number[],
): Float64Array {
  const { epsilon, score } = referencePolicy(world, spec, session, context);
  return firstSlotDistribution(Float64Array.from(candidates, score), epsilon);
}

/** A reference policy as an ε-greedy rule over a score of item indices. */
function referencePolicy(
  world: World,
  spec: PolicySpec,
  session: WorldSession,
  context: WorldContext,
): Pick<ItemBaseline, "epsilon" | "score"> {
  switch (spec.kind) {
    case "random":
      return uniformBaseline();
    case "popularity": {
      const popularity = itemPopularity(world);
      return { epsilon: 0, score: (index) => popularity[index]! };
    }
    case "egreedy": {
      const score = staticScorer(world);
      return { epsilon: spec.epsilon, score: (index) => score(index, context) };
    }
    case "oracle":
      return { epsilon: 0, score: (index) => clickProbability(world, session, world.items[index]!, 0, context) };
  }
}

const popularityCache = new WeakMap<World, Float64Array>();
const staticBaseCache = new WeakMap<World, Float64Array>();

/** Decisions sampled to estimate each item's true overall click rate. */
const POPULARITY_SAMPLE = 3000;

/**
 * Each item's true click rate at slot 0, averaged over the sessions and contexts of the decision
 * stream (Monte Carlo over POPULARITY_SAMPLE decisions, exact click probabilities). Cached per world.
 */
export function itemPopularity(world: World): Float64Array {
  const cached = popularityCache.get(world);
  if (cached) return cached;
  const popularity = new Float64Array(world.items.length);
  const stream = sessionStream(world, createRandom(`world:${world.seed}`).fork("popularity"));
  let sampled = 0;
  while (sampled < POPULARITY_SAMPLE) {
    const event = stream.next().value;
    if (event.kind !== "decision") continue;
    for (const item of world.items)
      popularity[item.index]! += clickProbability(world, event.session, item, 0, event.context);
    sampled++;
  }
  for (let i = 0; i < popularity.length; i++) popularity[i]! /= sampled;
  popularityCache.set(world, popularity);
  return popularity;
}

/**
 * The ε-greedy logging policy's static score of an item in a context: log popularity plus the true
 * context effect, blurred by a fixed per-item error (sd 0.5), like a production model that is decent
 * but wrong about some items.
 */
export function staticScorer(world: World): (itemIndex: number, context: WorldContext) => number {
  let base = staticBaseCache.get(world);
  if (!base) {
    const rng = createRandom(`world:${world.seed}`).fork("static-score-noise");
    const popularity = itemPopularity(world);
    base = Float64Array.from(world.items, (item) => Math.log(popularity[item.index]!) + 0.5 * rng.normal());
    staticBaseCache.set(world, base);
  }
  const itemBase = base;
  return (itemIndex, context) => itemBase[itemIndex]! + contextLogit(world, context, world.items[itemIndex]!);
}

/**
 * The candidate sets the storefront offers: "shelves", a partition of the shuffled catalog into groups
 * of `size` (the last one may be smaller), fixed per world and size. See `shelfAt` for which one a
 * decision gets.
 */
export function candidateShelves(world: World, size: number): number[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`candidate set size must be a whole number ≥ 1, got ${size}`);
  const order = createRandom(`world:${world.seed}`)
    .fork(`shelves:${size}`)
    .shuffle(world.items.map((item) => item.index));
  const shelves: number[][] = [];
  for (let start = 0; start < order.length; start += size) shelves.push(order.slice(start, start + size));
  return shelves;
}

/** How long one shelf stays on a page before the next one takes its place. */
export const SHELF_ROTATION_MS = 20 * 60_000;

/**
 * The shelf a decision at time `ts` on `page` draws its candidates from. Like a merchandising
 * rotation, each page shows one shelf at a time and the shelves cycle through the whole catalog every
 * few hours. Why rotate rather than draw a shelf per decision: rows close in time then list the same
 * candidates, which gzip stores almost for free, so the logs can carry their candidate sets.
 */
export function shelfAt(shelves: readonly number[][], ts: number, page: WorldContext["page"]): number {
  const slot = Math.floor((ts - WORLD_EPOCH_MS) / SHELF_ROTATION_MS);
  return (((slot * PAGES.length + PAGES.indexOf(page)) % shelves.length) + shelves.length) % shelves.length;
}

export interface TrueValue {
  policy: string;
  /** Expected reward (click probability at slot 0) per decision. */
  value: number;
  /** Monte-Carlo standard error of `value` (over sessions and contexts; clicks are not sampled). */
  standardError: number;
}

export interface TrueValueOptions {
  /** Decisions drawn from the session stream; default 100 000. */
  decisions?: number;
  /** Size of the candidate shelves; must match the log's. Default 50. */
  candidatesPerEvent?: number;
  seed?: number | string;
}

/**
 * The true value of each policy under the same decision distribution as the generated logs: decisions
 * of the session stream, each with the shelf of its time and page, reward = click at slot 0. Exact expectation over
 * each decision's choice and click; Monte Carlo over decisions, shared by all policies (common random numbers).
 */
export function trueValues(world: World, specs: readonly PolicySpec[], options: TrueValueOptions = {}): TrueValue[] {
  const decisions = options.decisions ?? 100_000;
  const shelves = candidateShelves(world, options.candidatesPerEvent ?? 50);
  const rng = createRandom(`true-value:${options.seed ?? 0}`);
  const stream = sessionStream(world, rng.fork("sessions"), { sessionIdPrefix: "tv" });
  const sums = specs.map(() => ({ sum: 0, sumSquares: 0 }));
  const probabilities = new Float64Array(world.items.length);
  for (let done = 0; done < decisions; ) {
    const event = stream.next().value;
    if (event.kind !== "decision") continue;
    const shelf = shelves[shelfAt(shelves, event.ts, event.context.page)]!;
    for (let i = 0; i < shelf.length; i++) {
      probabilities[i] = clickProbability(world, event.session, world.items[shelf[i]!]!, 0, event.context);
    }
    specs.forEach((spec, k) => {
      const choice = actionProbabilities(world, spec, event.session, event.context, shelf);
      let expected = 0;
      for (let i = 0; i < shelf.length; i++) expected += choice[i]! * probabilities[i]!;
      sums[k]!.sum += expected;
      sums[k]!.sumSquares += expected * expected;
    });
    done++;
  }
  return specs.map((spec, k) => {
    const mean = sums[k]!.sum / decisions;
    const variance = Math.max(0, sums[k]!.sumSquares / decisions - mean * mean);
    return { policy: policyName(spec), value: mean, standardError: Math.sqrt(variance / decisions) };
  });
}

/** The true value of one policy; see `trueValues`. */
export function trueValue(world: World, spec: PolicySpec, options: TrueValueOptions = {}): TrueValue {
  return trueValues(world, [spec], options)[0]!;
}
