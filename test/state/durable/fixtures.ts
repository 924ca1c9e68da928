import type {
  CatalogItem,
  DefaultRewardRecord,
  FeedbackEntry,
  FeedbackRecord,
  ImpressionRecord,
  ModelUpdate,
} from "../../../src/state/ports";
import { TEST_DIM } from "./harness";

export const DAY_MS = 86_400_000;
/** A fixed "now" in the middle of a UTC day, so day boundaries in retention tests are unambiguous. */
export const NOW_MS = Date.UTC(2025, 5, 15, 12, 0, 0, 123);

/** Float32 values with no short decimal form, so a lossy round trip would show. */
export function awkwardVector(seed: number, length = TEST_DIM): Float32Array {
  const v = new Float32Array(length);
  for (let i = 0; i < length; i++) v[i] = Math.fround(Math.sin(seed * 7.13 + i) / 3 + (i % 2 === 0 ? 1e-7 : -3.4));
  return v;
}

export function unitVector(length: number, hot: number): Float32Array {
  const v = new Float32Array(length);
  v[hot % length] = 1;
  return v;
}

export function modelUpdate(itemId: string, seed: number, reward = 1): ModelUpdate {
  return { itemId, shared: awkwardVector(seed, 9), arm: awkwardVector(seed + 100, 5), reward };
}

export function feedback(
  eventId: string,
  overrides: Partial<FeedbackRecord> = {},
  userEmbedding: Float32Array | null = null,
): FeedbackEntry {
  return {
    record: {
      eventId,
      userId: "u1",
      sessionId: "s1",
      itemId: "i1",
      type: "click",
      recommendationId: null,
      reward: 1,
      occurredAtMs: NOW_MS,
      modelUpdate: null,
      ...overrides,
    },
    userEmbedding,
  };
}

export function impression(
  recommendationId: string,
  itemIds: string[],
  overrides: Partial<ImpressionRecord> = {},
): ImpressionRecord {
  return {
    recommendationId,
    userId: "u1",
    sessionId: "s1",
    occurredAtMs: NOW_MS,
    modelVersion: "m1",
    context: { page: "home", device: "mobile" },
    candidateCount: 50,
    items: itemIds.map((itemId, position) => ({
      itemId,
      position,
      propensity: 1 / (position + 2),
      score: 0.5 - position / 10,
      explored: position === 1,
    })),
    ...overrides,
  };
}

export function defaultReward(
  recommendationId: string,
  itemId: string,
  reward = 0,
  occurredAtMs = NOW_MS,
): DefaultRewardRecord {
  return { recommendationId, userId: "u1", occurredAtMs, update: modelUpdate(itemId, itemId.length + reward, reward) };
}

export function catalogItem(itemId: string, overrides: Partial<CatalogItem> = {}): CatalogItem {
  return {
    itemId,
    embedding: awkwardVector(itemId.length + itemId.charCodeAt(itemId.length - 1)),
    category: "shoes",
    attributes: { brand: "acme", color: "red" },
    available: true,
    ...overrides,
  };
}
