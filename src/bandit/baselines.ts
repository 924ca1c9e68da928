/**
 * The context-free baselines the engine is measured against, over item indices: one definition each,
 * which the simulator (src/sim/baselines.ts) and the offline evaluator (src/eval/policies.ts) adapt
 * to their own decisions. A baseline scores items and learns (item, reward) pairs; the caller ranks
 * by score, with probability `epsilon` choosing uniformly instead (the service's ε-greedy rule,
 * src/bandit/slate.ts). Pure: typed arrays, no I/O, no random source of their own.
 */
export interface ItemBaseline {
  readonly name: string;
  /** False when `learn` changes nothing (one instance can then serve many runs). */
  readonly learns: boolean;
  /** Share of choices made uniformly at random instead of by score: 1 = uniform, 0 = greedy. */
  readonly epsilon: number;
  /** The item's greedy score now (higher first). */
  score(itemIndex: number): number;
  /** A reward the item got when shown (or, for the simulator's popularity, an organic click: 1). */
  learn(itemIndex: number, reward: number): void;
}

/** Uniform over the items: every score 0, every choice random. */
export function uniformBaseline(): ItemBaseline {
  return { name: "random", learns: false, epsilon: 1, score: () => 0, learn: () => undefined };
}

/** The item with the most positive rewards so far (ties to the lower index in the callers' rankings). */
export function popularityBaseline(items: number, epsilon = 0, name = "popularity"): ItemBaseline {
  const positives = new Float64Array(items);
  return {
    name,
    learns: true,
    epsilon,
    score: (i) => positives[i]!,
    learn: (i, reward) => {
      if (reward > 0) positives[i]! += 1;
    },
  };
}

/**
 * Each item's online mean reward. An item's mean starts at the overall mean so far, as one
 * pseudo-observation ((sum + m) / (count + 1)): unseen items are neither favoured nor shunned.
 */
export function meanRewardBaseline(items: number, epsilon: number, name = `egreedy:epsilon=${epsilon}`): ItemBaseline {
  const sums = new Float64Array(items);
  const counts = new Float64Array(items);
  let total = 0;
  let seen = 0;
  return {
    name,
    learns: true,
    epsilon,
    score: (i) => (sums[i]! + (seen > 0 ? total / seen : 0)) / (counts[i]! + 1),
    learn: (i, reward) => {
      sums[i]! += reward;
      counts[i]! += 1;
      total += reward;
      seen++;
    },
  };
}

/**
 * UCB1 over each item's own reward rate: mean + √(2 ln N / n_i), N the rewards learned in all. An item
 * never shown scores 10⁹ − index, so unseen items go first, in index order.
 */
export function ucb1Baseline(items: number, name = "UCB1"): ItemBaseline {
  const shows = new Float64Array(items);
  const rewards = new Float64Array(items);
  let total = 0;
  let logTotal = 0;
  return {
    name,
    learns: true,
    epsilon: 0,
    score: (i) => (shows[i] === 0 ? 1e9 - i : rewards[i]! / shows[i]! + Math.sqrt((2 * logTotal) / shows[i]!)),
    learn: (i, reward) => {
      shows[i]! += 1;
      rewards[i]! += reward;
      total++;
      logTotal = Math.log(Math.max(total, 1));
    },
  };
}
