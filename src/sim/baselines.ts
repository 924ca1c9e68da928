import { clickProbability } from "../world/click-model";
import type { Random } from "../world/random";
import type { World, WorldContext, WorldSession } from "../world/world";

/** A simulated policy that is not the engine: picks k item indices for a decision, learns from clicks. */
export interface BaselinePolicy {
  name: string;
  choose(session: WorldSession, context: WorldContext, k: number): number[];
  /** Clicks (1) and non-clicks (0) on what it showed. */
  learn(itemIndex: number, reward: number): void;
  /** An organic click seen while browsing. */
  observeBrowse(itemIndex: number): void;
}

/** The indices of the k largest scores (ties: lower index first). */
export function topK(scores: Float64Array, k: number): number[] {
  const chosen: number[] = [];
  const taken = new Uint8Array(scores.length);
  for (let slot = 0; slot < Math.min(k, scores.length); slot++) {
    let best = -1;
    for (let i = 0; i < scores.length; i++) if (!taken[i] && (best < 0 || scores[i]! > scores[best]!)) best = i;
    taken[best] = 1;
    chosen.push(best);
  }
  return chosen;
}

/** Uniformly random distinct items. */
export function randomPolicy(world: World, rng: Random): BaselinePolicy {
  return {
    name: "random",
    choose: (_s, _c, k) => {
      const picked = new Set<number>();
      while (picked.size < Math.min(k, world.items.length)) picked.add(rng.int(world.items.length));
      return [...picked];
    },
    learn: () => undefined,
    observeBrowse: () => undefined,
  };
}

/** The most clicked items so far (organic clicks included), learned online. */
export function popularityPolicy(world: World): BaselinePolicy {
  const clicks = new Float64Array(world.items.length);
  return {
    name: "popularity",
    choose: (_s, _c, k) => topK(clicks, k),
    learn: (i, reward) => void (clicks[i]! += reward),
    observeBrowse: (i) => void (clicks[i]! += 1),
  };
}

/** A context-free bandit: UCB1 over each item's own click rate, blind to who asks and in what context. */
export function contextFreeBandit(world: World): BaselinePolicy {
  const n = world.items.length;
  const shows = new Float64Array(n);
  const clicks = new Float64Array(n);
  const scores = new Float64Array(n);
  let total = 0;
  return {
    name: "context-free bandit (UCB1)",
    choose: (_s, _c, k) => {
      const logTotal = Math.log(Math.max(total, 1));
      for (let i = 0; i < n; i++) scores[i] = shows[i] === 0 ? 1e9 - i : clicks[i]! / shows[i]! + Math.sqrt((2 * logTotal) / shows[i]!);
      return topK(scores, k);
    },
    learn: (i, reward) => {
      shows[i]! += 1;
      clicks[i]! += reward;
      total++;
    },
    observeBrowse: () => undefined,
  };
}

/** The ground truth's best items for this shopper and context: the ceiling. */
export function oraclePolicy(world: World): BaselinePolicy {
  const scores = new Float64Array(world.items.length);
  return {
    name: "oracle",
    choose: (session, context, k) => {
      for (const item of world.items) scores[item.index] = clickProbability(world, session, item, 0, context);
      return topK(scores, k);
    },
    learn: () => undefined,
    observeBrowse: () => undefined,
  };
}
