import { InvalidArgument } from "../errors";
import { checkId, checkNoNul, checkStringMap } from "../engine/item-validation";
import { checkSurface } from "../engine/surfaces";
import type { FeedbackInput, RecommendInput, SlateBoost } from "../engine/types";
import type { FeedbackKind } from "../state/ports";
import type { Boost__Output } from "./generated/recs/v1/Boost";
import type { DeleteUserRequest__Output } from "./generated/recs/v1/DeleteUserRequest";
import type { FeedbackEvent__Output } from "./generated/recs/v1/FeedbackEvent";
import type { GetUserStateRequest__Output } from "./generated/recs/v1/GetUserStateRequest";
import type { RecommendRequest__Output } from "./generated/recs/v1/RecommendRequest";
import { LIMITS } from "./limits";

const KIND_BY_WIRE: Record<string, FeedbackKind> = {
  FEEDBACK_TYPE_UNSPECIFIED: "unspecified",
  CLICK: "click",
  ADD_TO_CART: "add_to_cart",
  PURCHASE: "purchase",
  DISMISS: "dismiss",
};

/** The wire name of a feedback kind. */
export const WIRE_BY_KIND: Record<FeedbackKind, string> = {
  unspecified: "FEEDBACK_TYPE_UNSPECIFIED",
  click: "CLICK",
  add_to_cart: "ADD_TO_CART",
  purchase: "PURCHASE",
  dismiss: "DISMISS",
};

/** A required id within the byte limit (and without NUL). */
function checkWireId(field: string, value: string): string {
  return checkId(field, value, LIMITS.idBytes);
}

function checkIdList(field: string, ids: string[], max: number): string[] {
  if (ids.length > max) throw new InvalidArgument(`${field} must have at most ${max} ids, got ${ids.length}`);
  for (let i = 0; i < ids.length; i++) checkWireId(`${field}[${i}]`, ids[i]!);
  return ids;
}

function checkContext(value: unknown): Record<string, string> {
  return checkStringMap("context", value, LIMITS.contextEntries, LIMITS.contextEntryBytes);
}

export function toRecommendInput(req: RecommendRequest__Output): RecommendInput {
  const userId = checkWireId("user_id", req.userId);
  const sessionId = req.sessionId === "" ? "" : checkWireId("session_id", req.sessionId);
  if (req.k > LIMITS.maxK)
    throw new InvalidArgument(`k must be at most ${LIMITS.maxK} (0 means ${LIMITS.defaultK}), got ${req.k}`);
  const category = checkNoNul("category", req.category);
  if (Buffer.byteLength(category) > LIMITS.categoryBytes)
    throw new InvalidArgument(`category must be at most ${LIMITS.categoryBytes} bytes`);
  if (req.maxPerCategory > LIMITS.maxPerCategory)
    throw new InvalidArgument(
      `max_per_category must be at most ${LIMITS.maxPerCategory} (0 means no cap), got ${req.maxPerCategory}`,
    );
  return {
    userId,
    sessionId,
    k: req.k === 0 ? LIMITS.defaultK : req.k,
    context: checkContext(req.context),
    candidateIds: checkIdList("candidate_ids", req.candidateIds, LIMITS.candidateIds),
    excludeIds: checkIdList("exclude_ids", req.excludeIds, LIMITS.excludeIds),
    category,
    rules: {
      pinnedIds: checkIdList("pinned_ids", req.pinnedIds, LIMITS.pinnedIds),
      maxPerCategory: req.maxPerCategory,
      boosts: checkBoosts(req.boosts),
    },
    recentItemIds: checkIdList("recent_item_ids", req.recentItemIds, LIMITS.recentItemIds),
    explain: req.explain,
    surface: checkSurface("surface", req.surface),
  };
}

function checkBoosts(boosts: Boost__Output[]): SlateBoost[] {
  if (boosts.length > LIMITS.boosts)
    throw new InvalidArgument(`boosts must have at most ${LIMITS.boosts} entries, got ${boosts.length}`);
  return boosts.map((boost, i) => {
    const attribute = checkId(`boosts[${i}].attribute`, boost.attribute, LIMITS.boostFieldBytes);
    const value = checkId(`boosts[${i}].value`, boost.value, LIMITS.boostFieldBytes);
    const weight = Number(boost.weight);
    if (!(Number.isFinite(weight) && Math.abs(weight) <= LIMITS.maxAbsBoostWeight))
      throw new InvalidArgument(
        `boosts[${i}].weight must be finite with |weight| <= ${LIMITS.maxAbsBoostWeight}, got ${String(boost.weight)}`,
      );
    return { attribute, value, weight };
  });
}

/** What checking a feedback event's time needs: the server's clock and the event log's retention. */
export interface FeedbackClock {
  /** Fills an unset (0) occurred_at_ms. */
  nowMs: number;
  /** RECS_EVENT_RETENTION_DAYS: the retention sweep deletes events older than this. */
  retentionDays: number;
}

/** Validates a feedback event against the contract's limits and the ranges the stores can hold. */
export function toFeedbackInput(event: FeedbackEvent__Output, clock: FeedbackClock): FeedbackInput {
  const eventId = checkWireId("event_id", event.eventId);
  const userId = checkWireId("user_id", event.userId);
  const sessionId = checkWireId("session_id", event.sessionId);
  const itemId = checkWireId("item_id", event.itemId);
  // With enums as strings, a number outside the enum arrives as the bare number.
  const type = typeof event.type === "string" ? KIND_BY_WIRE[event.type] : undefined;
  if (type === undefined)
    throw new InvalidArgument(
      `type ${String(event.type)} is not a FeedbackType (CLICK=1, ADD_TO_CART=2, PURCHASE=3, DISMISS=4)`,
    );
  const hasReward = event.reward !== undefined && event.reward !== null;
  if (type === "unspecified" && !hasReward) throw new InvalidArgument("type is required unless reward is set");
  let reward: number | null = null;
  if (hasReward) {
    reward = Number(event.reward);
    if (!Number.isFinite(reward))
      throw new InvalidArgument(`reward must be a finite number, got ${String(event.reward)}`);
    if (Math.abs(reward) > LIMITS.maxAbsReward)
      throw new InvalidArgument(`reward must be within ±${LIMITS.maxAbsReward}, got ${reward}`);
  }
  const recommendationId =
    event.recommendationId === "" ? null : checkWireId("recommendation_id", event.recommendationId);
  const occurredAtMs = checkOccurredAt(String(event.occurredAtMs), clock);
  return { eventId, userId, sessionId, itemId, type, recommendationId, reward, occurredAtMs };
}

export function toUserStateQuery(req: GetUserStateRequest__Output): { userId: string; sessionId: string } {
  const userId = checkWireId("user_id", req.userId);
  const sessionId = req.sessionId === "" ? "" : checkWireId("session_id", req.sessionId);
  return { userId, sessionId };
}

/** DeleteUser's user id, checked like every id. */
export function toDeleteUserId(req: DeleteUserRequest__Output): string {
  return checkWireId("user_id", req.userId);
}

const DAY_MS = 86_400_000;

/** An ISO time for a message, or the bare number when no Date can hold it. */
function isoOrNumber(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/**
 * occurred_at_ms (0 = now) within what the event log keeps: not older than the retention window (the
 * next sweep would delete an acknowledged event) and at most a day ahead of the server's clock (clock
 * skew, not a unit mistake). Checked here, per event, because a value the log cannot store would
 * otherwise fail the group-commit write of every event batched with it.
 */
function checkOccurredAt(raw: string, clock: FeedbackClock): number {
  const occurred = Number(raw);
  if (occurred === 0) return clock.nowMs;
  const unit = "occurred_at_ms is milliseconds since the Unix epoch (0 = now)";
  if (!Number.isSafeInteger(occurred) || occurred < 0) throw new InvalidArgument(`${unit}; got ${raw}`);
  const earliest = clock.nowMs - clock.retentionDays * DAY_MS;
  const latest = clock.nowMs + DAY_MS;
  if (occurred < earliest) {
    const seconds =
      occurred * 1000 >= earliest && occurred * 1000 <= latest
        ? ` (${raw} looks like seconds: in milliseconds that is ${raw}000)`
        : "";
    throw new InvalidArgument(
      `occurred_at_ms ${raw} (${isoOrNumber(occurred)}) is older than the event log's retention ` +
        `of ${clock.retentionDays} days (earliest ${isoOrNumber(earliest)}), ` +
        `so the next retention sweep would delete it; ${unit}${seconds}. ` +
        `History older than the retention window belongs in a bulk import / warm start, not Feedback`,
    );
  }
  if (occurred > latest) {
    throw new InvalidArgument(
      `occurred_at_ms ${raw} (${isoOrNumber(occurred)}) is more than a day ahead of the server's clock ` +
        `(${isoOrNumber(clock.nowMs)}); ` +
        `${unit}: check the unit (not microseconds) and the sender's clock, or send 0`,
    );
  }
  return occurred;
}
