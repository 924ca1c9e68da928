import type { LoggedDecision } from "../eval/log-format";
import type { CatalogItem } from "../state/ports";
import { clickProbability } from "./click-model";
import { actionProbabilities, candidateShelves, shelfAt, type PolicySpec } from "./policies";
import { createRandom } from "./random";
import { sessionStream } from "./sessions";
import { itemAttributes, type World } from "./world";

export interface LogOptions {
  /** `uniform`: every candidate equally likely. `egreedy`: ε-greedy over a noisy static score. */
  policy: "uniform" | "egreedy";
  /** Logged decisions to produce. */
  events: number;
  /** Size of each decision's candidate shelf; default 50. */
  candidatesPerEvent?: number;
  /** ε of the egreedy policy; default 0.2. Ignored for uniform. */
  epsilon?: number;
  seed?: number | string;
  /** Write the candidate set into each row (default true); false = rows claim every catalog item. */
  includeCandidates?: boolean;
}

/** The reference policy a logging policy is, for `trueValue`. */
export function loggingPolicySpec(options: Pick<LogOptions, "policy" | "epsilon">): PolicySpec {
  return options.policy === "uniform" ? { kind: "random" } : { kind: "egreedy", epsilon: options.epsilon ?? 0.2 };
}

/**
 * Logged decisions of a logging policy over the session stream: each decision gets the shelf of
 * candidates showing at its time on its page (`shelfAt`), the policy picks one item for slot 0
 * with a known propensity, and the reward is a click (1) or not (0) drawn from the ground-truth
 * click model. Deterministic from the world and the seed.
 */
export function* generateLog(world: World, options: LogOptions): Generator<LoggedDecision> {
  const spec = loggingPolicySpec(options);
  if (spec.kind === "egreedy" && !(spec.epsilon > 0 && spec.epsilon <= 1)) {
    throw new RangeError(`epsilon must be in (0, 1] so every candidate has a propensity above 0, got ${spec.epsilon}`);
  }
  const shelves = candidateShelves(world, options.candidatesPerEvent ?? 50);
  const shelfIds = shelves.map((shelf) => shelf.map((index) => world.items[index]!.itemId));
  const rng = createRandom(`log:${options.policy}:${options.seed ?? 0}`);
  const stream = sessionStream(world, rng.fork("sessions"), {
    sessionIdPrefix: options.policy === "uniform" ? "su" : "se",
  });
  for (let produced = 0; produced < options.events; ) {
    const event = stream.next().value;
    if (event.kind !== "decision") continue;
    const shelfIndex = shelfAt(shelves, event.ts, event.context.page);
    const shelf = shelves[shelfIndex]!;
    const probabilities = actionProbabilities(world, spec, event.session, event.context, shelf);
    const chosen = rng.weightedIndex(probabilities);
    const item = world.items[shelf[chosen]!]!;
    const clicked = rng.chance(clickProbability(world, event.session, item, 0, event.context));
    yield {
      tsMs: event.ts,
      userId: event.session.user.userId,
      sessionId: event.session.sessionId,
      context: { device: event.context.device, page: event.context.page },
      candidates: options.includeCandidates === false ? null : shelfIds[shelfIndex]!,
      itemId: item.itemId,
      position: 0,
      propensity: probabilities[chosen]!,
      reward: clicked ? 1 : 0,
    };
    produced++;
  }
}

/** The world's items as catalog entries (all available), with the embeddings the catalog shows. */
export function catalogItems(world: World): CatalogItem[] {
  return world.items.map((item) => ({
    itemId: item.itemId,
    embedding: item.observedEmbedding,
    category: world.categoryNames[item.category]!,
    attributes: itemAttributes(world, item),
    available: true,
  }));
}
