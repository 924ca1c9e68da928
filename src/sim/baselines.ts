import { popularityBaseline, ucb1Baseline, uniformBaseline, type ItemBaseline } from "../bandit/baselines";
import { clickProbability } from "../world/click-model";
import type { Random } from "../world/random";
import { dot, type World, type WorldContext, type WorldSession } from "../world/world";

/** A simulated policy that is not the engine: picks k item indices for a decision, learns from clicks. */
export interface BaselinePolicy {
  name: string;
  choose(session: WorldSession, context: WorldContext, k: number): number[];
  /** Clicks (1) and non-clicks (0) on what it showed. */
  learn(session: WorldSession, itemIndex: number, reward: number): void;
  /** An organic click seen while browsing. */
  observeBrowse(session: WorldSession, itemIndex: number): void;
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

/**
 * A baseline of src/bandit/baselines.ts as a simulated policy over the whole catalog: the top k by its
 * score, learning from the clicks on what it showed, and from organic clicks too when `learnsBrowsing`.
 */
function simulated(
  world: World,
  baseline: ItemBaseline,
  learnsBrowsing: boolean,
  name = baseline.name,
): BaselinePolicy {
  const scores = new Float64Array(world.items.length);
  return {
    name,
    choose: (_s, _c, k) => {
      for (let i = 0; i < scores.length; i++) scores[i] = baseline.score(i);
      return topK(scores, k);
    },
    learn: (_s, i, reward) => baseline.learn(i, reward),
    observeBrowse: learnsBrowsing ? (_s, i) => baseline.learn(i, 1) : () => undefined,
  };
}

/** Uniformly random distinct items (the uniform baseline: k distinct draws). */
export function randomPolicy(world: World, rng: Random): BaselinePolicy {
  return {
    name: uniformBaseline().name,
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
  return simulated(world, popularityBaseline(world.items.length), true);
}

/** A context-free bandit: UCB1 over each item's own click rate, blind to who asks and in what context. */
export function contextFreeBandit(world: World): BaselinePolicy {
  return simulated(world, ucb1Baseline(world.items.length), false, "context-free bandit (UCB1)");
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

/** How much the session counts against the long-term profile in the similarity baseline. */
const SIMILARITY_SESSION_WEIGHT = 1;
const SIMILARITY_LONG_TERM_WEIGHT = 0.5;
/** Each older session click weighs this much of the next newer one, as the engine's session vector. */
const SIMILARITY_RECENCY = 0.8;

/**
 * The bar a learning engine must clear: no learning at all, it ranks by cosine to the session vector
 * (recency-weighted mean of the session's clicked items) and to the long-term vector (mean of all the
 * shopper's clicked items), with a fixed blend, using the embeddings the catalog shows. Items the
 * session clicked are left out, as the engine leaves them out; with no clicks at all it shows the most
 * clicked items.
 */
export function similarityPolicy(world: World): BaselinePolicy {
  const n = world.items.length;
  const dim = world.params.dim;
  const sessions = new Map<string, number[]>();
  const users = new Map<string, Float64Array>();
  const clicks = new Float64Array(n);
  const scores = new Float64Array(n);
  const observe = (session: WorldSession, itemIndex: number) => {
    clicks[itemIndex]! += 1;
    const clicked = sessions.get(session.sessionId) ?? [];
    clicked.unshift(itemIndex);
    sessions.set(session.sessionId, clicked);
    const sum = users.get(session.user.userId) ?? new Float64Array(dim);
    const v = world.items[itemIndex]!.observedEmbedding;
    for (let j = 0; j < dim; j++) sum[j]! += v[j]!;
    users.set(session.user.userId, sum);
  };
  return {
    name: "similarity (no learning)",
    choose: (session, _c, k) => {
      const clicked = sessions.get(session.sessionId) ?? [];
      const s = new Float32Array(dim);
      let weight = 1;
      for (const index of clicked) {
        const v = world.items[index]!.observedEmbedding;
        for (let j = 0; j < dim; j++) s[j]! += weight * v[j]!;
        weight *= SIMILARITY_RECENCY;
      }
      const l = Float32Array.from(users.get(session.user.userId) ?? new Float64Array(dim));
      unit(s);
      unit(l);
      const maxClicks = Math.max(1, ...clicks);
      for (const item of world.items) {
        const v = item.observedEmbedding;
        scores[item.index] =
          SIMILARITY_SESSION_WEIGHT * dot(s, v) +
          SIMILARITY_LONG_TERM_WEIGHT * dot(l, v) +
          1e-3 * (clicks[item.index]! / maxClicks);
      }
      for (const index of clicked) scores[index] = -Infinity;
      return topK(scores, k);
    },
    learn: (session, i, reward) => {
      if (reward > 0) observe(session, i);
    },
    observeBrowse: observe,
  };
}

function unit(v: Float32Array): void {
  const norm = Math.sqrt(dot(v, v));
  if (norm > 0) for (let j = 0; j < v.length; j++) v[j] = v[j]! / norm;
}
