import type { DueServingContext, RewardMark, ServedItemLookup, ServingContext, ServingContextStore } from "./ports";

/**
 * Keeps this replica's recently served contexts in memory in front of the shared store, so feedback on
 * them (when it reaches the replica that served it) needs no round trip and no decode. Other contexts
 * (served by another replica, or long ago) are read from the shared store each time and not kept:
 * feedback reads only its item's slot of one (`servedItem`), which is cheaper to read again than a whole
 * decoded context is to keep. Safe because a context never changes after `put`: the cache answers only
 * until the context is due (after that the sweeper may claim it at any moment, so the shared store
 * decides); the rewarded set and claims always go to the shared store.
 */
export class CachedServingContextStore implements ServingContextStore {
  private readonly recent = new Map<string, ServingContext>();

  constructor(
    private readonly inner: ServingContextStore,
    private readonly rewardWaitMs: number,
    private readonly capacity = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async put(context: ServingContext): Promise<void> {
    await this.inner.put(context);
    this.remember(context);
  }

  async get(recommendationId: string): Promise<ServingContext | null> {
    return this.peek(recommendationId) ?? this.inner.get(recommendationId);
  }

  async servedItem(recommendationId: string, itemId: string): Promise<ServedItemLookup> {
    return this.heldItem(recommendationId, itemId) ?? this.inner.servedItem(recommendationId, itemId);
  }

  /**
   * `servedItem` from memory, without a call, when this replica holds the context; else undefined (ask `servedItem`).
   */
  heldItem(recommendationId: string, itemId: string): ServedItemLookup | undefined {
    const held = this.peek(recommendationId);
    return (
      held && {
        found: true,
        item: held.items.find((item) => item.itemId === itemId) ?? null,
        modelVersion: held.modelVersion,
      }
    );
  }

  private remember(context: ServingContext): void {
    this.recent.delete(context.recommendationId);
    this.recent.set(context.recommendationId, context);
    if (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  /** The context when this replica holds it and it is not yet due, without a call; else undefined (ask `get`). */
  private peek(recommendationId: string): ServingContext | undefined {
    const cached = this.recent.get(recommendationId);
    if (cached === undefined) return undefined;
    if (this.now() < cached.servedAtMs + this.rewardWaitMs) return cached;
    this.recent.delete(recommendationId);
    return undefined;
  }

  markRewarded(recommendationId: string, itemId: string): Promise<void> {
    return this.inner.markRewarded(recommendationId, itemId);
  }

  markRewardedAll(marks: readonly RewardMark[]): Promise<void> {
    return this.inner.markRewardedAll(marks);
  }

  async claimDue(nowMs: number, limit: number): Promise<DueServingContext[]> {
    const claimed = await this.inner.claimDue(nowMs, limit);
    for (const { context } of claimed) this.recent.delete(context.recommendationId);
    return claimed;
  }

  async forgetUser(userId: string): Promise<number> {
    for (const [id, context] of this.recent) if (context.userId === userId) this.recent.delete(id);
    return this.inner.forgetUser(userId);
  }

  close(): Promise<void> {
    this.recent.clear();
    return this.inner.close();
  }
}
