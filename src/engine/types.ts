import type { ScoreParts } from "../bandit/score-parts";
import type { FeedbackKind, SessionEvent } from "../state/ports";

/** An attribute value whose items rank higher (or lower) in one answer. */
export interface SlateBoost {
  /** Item attribute name. */
  attribute: string;
  value: string;
  /** Added to the ranking score of matching items; |weight| ≤ 100. */
  weight: number;
}

/**
 * A request's business rules, applied inside the policy (src/bandit/slate.ts) so propensities stay
 * exact; the same record is logged with an impression and replayed by the evaluator.
 */
export interface SlateRules {
  /** Placed first, in order, when placeable (propensity 1). */
  pinnedIds: string[];
  /** At most this many items of one category per slate; 0 = no cap. */
  maxPerCategory: number;
  boosts: SlateBoost[];
}

/** A validated Recommend call. */
export interface RecommendInput {
  userId: string;
  /** Empty when the caller has no session. */
  sessionId: string;
  k: number;
  context: Record<string, string>;
  /** Empty = let the engine retrieve candidates. */
  candidateIds: string[];
  excludeIds: string[];
  /** Empty = any category. */
  category: string;
  rules: SlateRules;
  /** Items the client holds as the newest session events, newest first: ahead of the window, never stored. */
  recentItemIds: string[];
  /** Return each item's score parts. */
  explain: boolean;
  /** The surface asking (checked: `checkSurface`); "default" when the request names none. */
  surface: string;
}

/** One filled slot of a recommendation. */
export interface RecommendedSlot {
  itemId: string;
  position: number;
  score: number;
  expectedReward: number;
  explorationBonus: number;
  propensity: number;
  explored: boolean;
  /** With `explain`: expected_reward by part. */
  parts?: ScoreParts;
}

/** The state stores skipped for an answer. */
export type DegradedStore = "session_store" | "user_store";

export interface RecommendOutput {
  recommendationId: string;
  items: RecommendedSlot[];
  modelVersion: string;
  degraded: DegradedStore[];
  /** rules.pinnedIds not in the answer, in request order. */
  unplacedPinnedIds: string[];
}

/** A validated feedback event. */
export interface FeedbackInput {
  eventId: string;
  userId: string;
  sessionId: string;
  itemId: string;
  type: FeedbackKind;
  /** Null = organic. */
  recommendationId: string | null;
  /** Explicit reward; null = from the type mapping. */
  reward: number | null;
  occurredAtMs: number;
}

export interface FeedbackResult {
  duplicate: boolean;
  appliedToModel: boolean;
}

/** What GetUserState answers. */
export interface UserStateOutput {
  userId: string;
  longTermEmbedding: number[];
  interactionCount: number;
  session: SessionEvent[];
  updatedAtMs: number;
}

/** Outcome of a bulk call: counts plus the first rejections. */
export interface BulkSummary {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejections: Array<{ index: number; id: string; reason: string }>;
}

/** At most this many rejections are listed in a summary. */
export const MAX_LISTED_REJECTIONS = 100;
