import type { Logger } from "../../log";
import type {
  DueServingContext,
  RewardMark,
  ServedItem,
  ServedItemLookup,
  ServingContext,
  ServingContextStore,
} from "../ports";
import { MinHeap } from "./min-heap";

export interface MemoryServingContextStoreOptions {
  rewardWaitMs: number;
  /** How long a context is kept (from `servingContextTtlMs`). */
  contextTtlMs: number;
  /** Contexts held at most; beyond it the oldest is dropped (and so gets no default reward). */
  maxContexts: number;
  now: () => number;
  logger: Logger;
}

interface HeldContext {
  context: ServingContext;
  rewardedItemIds: Set<string>;
  dueAtMs: number;
  expiresAtMs: number;
}

/**
 * Serving contexts in one process's memory, with the Redis adapter's semantics: a TTL, a due queue, and
 * copies in and out (the caller can never change what is held). Due order comes from a heap whose
 * entries go stale when a context is replaced, evicted or expired; a stale entry is recognised because it
 * no longer is the Map's value, and the heap is rebuilt when stale entries outnumber live ones.
 */
export class MemoryServingContextStore implements ServingContextStore {
  private readonly contexts = new Map<string, HeldContext>();
  // Ties go by id, as in Redis's sorted set, so both adapters claim in the same order.
  private readonly due = new MinHeap<HeldContext>(
    (a, b) =>
      a.dueAtMs < b.dueAtMs || (a.dueAtMs === b.dueAtMs && a.context.recommendationId < b.context.recommendationId),
  );
  private warnedAboutEviction = false;

  constructor(private readonly options: MemoryServingContextStoreOptions) {}

  async put(context: ServingContext): Promise<void> {
    const id = context.recommendationId;
    const held: HeldContext = {
      context: copyContext(context),
      rewardedItemIds: this.contexts.get(id)?.rewardedItemIds ?? new Set(),
      dueAtMs: context.servedAtMs + this.options.rewardWaitMs,
      expiresAtMs: this.options.now() + this.options.contextTtlMs,
    };
    this.contexts.delete(id);
    this.contexts.set(id, held);
    this.due.push(held);
    for (const oldest of this.contexts.keys()) {
      if (this.contexts.size <= this.options.maxContexts) break;
      this.contexts.delete(oldest);
      if (!this.warnedAboutEviction) {
        this.options.logger.warn(
          { maxContexts: this.options.maxContexts },
          "in-memory serving context store is full; dropping the oldest contexts",
        );
        this.warnedAboutEviction = true;
      }
    }
    this.compactDueQueue();
  }

  async get(recommendationId: string): Promise<ServingContext | null> {
    const held = this.live(recommendationId);
    return held ? copyContext(held.context) : null;
  }

  async servedItem(recommendationId: string, itemId: string): Promise<ServedItemLookup> {
    const held = this.live(recommendationId);
    if (!held) return { found: false };
    const item = held.context.items.find((i) => i.itemId === itemId);
    return { found: true, item: item ? copyItem(item) : null, modelVersion: held.context.modelVersion };
  }

  async markRewarded(recommendationId: string, itemId: string): Promise<void> {
    this.live(recommendationId)?.rewardedItemIds.add(itemId);
  }

  async markRewardedAll(marks: readonly RewardMark[]): Promise<void> {
    for (const { recommendationId, itemId } of marks) this.live(recommendationId)?.rewardedItemIds.add(itemId);
  }

  async claimDue(nowMs: number, limit: number): Promise<DueServingContext[]> {
    const claimed: DueServingContext[] = [];
    const storeNow = this.options.now();
    for (let top = this.due.peek(); top && top.dueAtMs <= nowMs && claimed.length < limit; top = this.due.peek()) {
      this.due.pop();
      const id = top.context.recommendationId;
      if (this.contexts.get(id) !== top) continue;
      this.contexts.delete(id);
      if (top.expiresAtMs <= storeNow) continue;
      claimed.push({ context: top.context, rewardedItemIds: [...top.rewardedItemIds] });
    }
    return claimed;
  }

  /** A scan of every held context (at most `maxContexts`): DeleteUser is rare, and memory has no index to keep. */
  async forgetUser(userId: string): Promise<number> {
    let deleted = 0;
    for (const [id, held] of this.contexts) {
      if (held.context.userId !== userId) continue;
      this.contexts.delete(id);
      if (held.expiresAtMs > this.options.now()) deleted++;
    }
    this.compactDueQueue();
    return deleted;
  }

  /** Drops expired contexts; stops at the first live one, since the rest expire later. */
  sweep(): void {
    const now = this.options.now();
    for (const [id, held] of this.contexts) {
      if (held.expiresAtMs > now) break;
      this.contexts.delete(id);
    }
    this.compactDueQueue();
  }

  get size(): number {
    return this.contexts.size;
  }

  async close(): Promise<void> {
    this.contexts.clear();
    this.due.retain(() => false);
  }

  private live(recommendationId: string): HeldContext | undefined {
    const held = this.contexts.get(recommendationId);
    if (held && held.expiresAtMs <= this.options.now()) {
      this.contexts.delete(recommendationId);
      return undefined;
    }
    return held;
  }

  private compactDueQueue(): void {
    if (this.due.size <= 2 * this.contexts.size + 1024) return;
    this.due.retain((held) => this.contexts.get(held.context.recommendationId) === held);
  }
}

/** A deep copy with compact vectors (`slice`), never sharing or dragging along a caller's larger buffer. */
function copyContext(context: ServingContext): ServingContext {
  return { ...context, items: context.items.map(copyItem) };
}

function copyItem(item: ServedItem): ServedItem {
  return { ...item, shared: item.shared.slice(), arm: item.arm.slice() };
}
