import type { FeedbackKind, SessionEvent } from "../state/ports";

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
}

/** The state stores skipped for an answer. */
export type DegradedStore = "session_store" | "user_store";

export interface RecommendOutput {
  recommendationId: string;
  items: RecommendedSlot[];
  modelVersion: string;
  degraded: DegradedStore[];
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
