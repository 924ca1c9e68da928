import { randomUUID } from "node:crypto";
import { hashContext } from "../bandit/features";
import type { Random } from "../bandit/rng";
import type { Logger } from "../log";
import type { ImpressionRecord, ServingContextStore, SessionStore } from "../state/ports";
import type { Batcher } from "./batcher";
import { selectCandidateIndices, type CandidateOptions } from "./candidates";
import type { CatalogMirror } from "./catalog-mirror";
import { itemSignals } from "./item-signals";
import type { EngineMetrics } from "./metrics";
import { rankSlate, type RankBuffers, type RankedSlot } from "./ranker";
import { candidateRules, formatLogRules, hasRules, unplacedPinned, withPinned, withRecentItems } from "./rules";
import { sessionVector } from "./session-vector";
import type { StoreGuard } from "./store-guard";
import type { DegradedStore, RecommendInput, RecommendOutput } from "./types";
import { maskState } from "./state-switches";
import type { SurfaceModels } from "./surfaces";
import type { UserCache } from "./user-cache";

export interface RecommendDeps {
  catalog: CatalogMirror;
  users: UserCache;
  sessions: SessionStore;
  servingContexts: ServingContextStore;
  impressions: Batcher<ImpressionRecord, void>;
  /** Each surface's model and exploration settings (ε, α). */
  surfaces: SurfaceModels;
  guard: StoreGuard;
  metrics: EngineMetrics;
  log: Logger;
  rng: Random;
  candidates: CandidateOptions;
  /** Deadline of the serving-context write. */
  servingWriteTimeoutMs: number;
  /** φ and score buffers reused across requests (ranking is synchronous, one request at a time). */
  rankBuffers?: RankBuffers;
}

/**
 * The recommend path (DESIGN §3): state under deadlines (a failed store is skipped and named in
 * `degraded`), candidates, φ, LinUCB, the ε-greedy slate, then the serving context and impression.
 */
export async function recommend(deps: RecommendDeps, input: RecommendInput): Promise<RecommendOutput> {
  // First: a surface over the limit is refused before any store is read.
  const surface = deps.surfaces.forRequest(input.surface);
  const degraded: DegradedStore[] = [];
  const [windowRead, userRead] = await Promise.all([
    input.sessionId === ""
      ? { value: [], failed: false }
      : deps.guard.orElse("session_store", "read_window", () => deps.sessions.window(input.sessionId), []),
    cachedOrLoad(deps, input.userId),
  ]);
  if (windowRead.failed) degraded.push("session_store");
  if (userRead.failed) degraded.push("user_store");
  for (const reason of degraded) deps.metrics.degraded.inc({ reason });

  const window = withRecentItems(deps.catalog, windowRead.value, input.recentItemIds, Date.now());
  const session = sessionVector(window, deps.catalog);
  const longTerm = userRead.value?.embedding ?? null;
  const indices = withPinned(
    deps.catalog,
    selectCandidateIndices(deps.catalog, input, window, session, longTerm, deps.candidates),
    input.rules.pinnedIds,
    input.excludeIds,
  );
  const candidates = deps.catalog.itemsAt(indices);
  const policy = surface.policy;
  // The surface's feature switches mask what φ sees (retrieval above saw everything), and its category
  // cap stands in for a request that sets none; both are logged as applied.
  const signals = itemSignals(deps.catalog, indices, window, session, longTerm);
  const scored = maskState({ session, longTerm, signals }, policy, true);
  const rules =
    input.rules.maxPerCategory === 0 && (policy.maxPerCategory ?? 0) > 0
      ? { ...input.rules, maxPerCategory: policy.maxPerCategory! }
      : input.rules;
  // Scored as logged (float32), so an offline policy reading the log computes the same φ to the bit.
  const loggedSignals = Float32Array.from(signals);
  signals.set(loggedSignals);
  const model = surface.model;
  const slots = rankSlate(
    model.bandit,
    model.spec,
    {
      candidates,
      rows: { indices, embeddings: deps.catalog.embeddingRows() },
      session: scored.session,
      longTerm: scored.longTerm,
      context: hashContext(input.context),
      signals,
      k: input.k,
      epsilon: surface.policy.epsilon,
      rng: deps.rng,
      rules: candidateRules(deps.catalog, indices, candidates, rules),
      explain: input.explain,
    },
    deps.rankBuffers,
  );

  deps.metrics.recommended(surface.name, slots);
  const recommendationId = randomUUID();
  const servedAtMs = Date.now();
  const modelVersion = model.version;
  if (slots.length > 0) {
    const storing = deps.guard
      .orElse(
        "serving_store",
        "put_context",
        () =>
          deps.servingContexts.put({
            recommendationId,
            userId: input.userId,
            sessionId: input.sessionId,
            modelVersion,
            servedAtMs,
            items: slots.map((s) => ({
              itemId: s.item.itemId,
              position: s.position,
              propensity: s.propensity,
              shared: s.shared,
              arm: s.arm,
            })),
          }),
        undefined,
        deps.servingWriteTimeoutMs,
      )
      .then(({ failed }) => {
        if (failed)
          deps.log.warn(
            { recommendationId },
            "serving context not stored: feedback on this recommendation will not train the model",
          );
      });
    // Waiting lets a fast client's feedback find the context. But the serving contexts live with the
    // sessions (one Redis): when the session read just failed, waiting would add a second deadline to
    // the answer, so the write goes on in the background and the answer goes out now.
    if (!windowRead.failed) await storing;
    deps.impressions
      .add({
        recommendationId,
        surface: surface.name,
        userId: input.userId,
        sessionId: input.sessionId,
        occurredAtMs: servedAtMs,
        modelVersion,
        context: input.context,
        candidateCount: candidates.length,
        items: slots.map((s) => ({
          itemId: s.item.itemId,
          position: s.position,
          propensity: s.propensity,
          score: s.score,
          explored: s.explored,
        })),
        serving: {
          candidateIds: candidates.map((item) => item.itemId),
          session: scored.session,
          longTerm: scored.longTerm,
          signals: loggedSignals,
          ...(hasRules(rules) ? { rules: formatLogRules(rules) } : {}),
        },
      })
      .catch((err: unknown) => deps.log.warn({ err, recommendationId }, "impression not logged"));
  }
  return {
    recommendationId,
    modelVersion,
    degraded,
    unplacedPinnedIds:
      input.rules.pinnedIds.length === 0 ? [] : unplacedPinned(input.rules.pinnedIds, new Set(slotsPinned(slots))),
    items: slots.map((s) => ({
      itemId: s.item.itemId,
      position: s.position,
      score: s.score,
      expectedReward: s.expectedReward,
      explorationBonus: s.explorationBonus,
      propensity: s.propensity,
      explored: s.explored,
      ...(s.parts ? { parts: s.parts } : {}),
    })),
  };
}

function slotsPinned(slots: readonly RankedSlot[]): string[] {
  return slots.filter((s) => s.pinned).map((s) => s.item.itemId);
}

/** The user's profile from the cache, else the store under its deadline (a miss is not a failure). */
async function cachedOrLoad(deps: RecommendDeps, userId: string) {
  const cached = deps.users.peek(userId);
  if (cached) {
    deps.metrics.userCache.inc({ result: "hit" });
    return { value: cached, failed: false };
  }
  deps.metrics.userCache.inc({ result: "miss" });
  return deps.guard.orElse("user_store", "get_user", () => deps.users.get(userId), null);
}
