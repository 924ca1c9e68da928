/** Request limits of the public contract (DESIGN §6), enforced in src/server/validation.ts. */
export const LIMITS = Object.freeze({
  idBytes: 256,
  maxK: 100,
  defaultK: 10,
  contextEntries: 64,
  contextEntryBytes: 256,
  maxAbsReward: 1e6,
  messageBytes: 4 * 1024 * 1024,
  candidateIds: 10_000,
  excludeIds: 10_000,
  attributes: 64,
  attributeBytes: 256,
  categoryBytes: 256,
  /** RecommendRequest.pinned_ids and recent_item_ids, each. */
  pinnedIds: 100,
  recentItemIds: 100,
  maxPerCategory: 100,
  boosts: 32,
  /** Boost.attribute and Boost.value, each. */
  boostFieldBytes: 256,
  maxAbsBoostWeight: 100,
});
