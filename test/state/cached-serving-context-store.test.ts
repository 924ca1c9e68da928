import { describe, expect, it } from "vitest";
import { CachedServingContextStore } from "../../src/state/cached-serving-context-store";
import { openMemoryStores } from "../../src/state/memory/open-memory-stores";
import type { ServingContext } from "../../src/state/ports";

const context = (id: string, servedAtMs: number): ServingContext => ({
  recommendationId: id,
  userId: "u",
  sessionId: "s",
  modelVersion: "v",
  servedAtMs,
  items: [{ itemId: "a", position: 0, propensity: 0.9, shared: Float32Array.of(1, 2), arm: Float32Array.of(3) }],
});

describe("CachedServingContextStore", () => {
  it("answers from memory until the context is due, then defers to the shared store", async () => {
    let now = 1_000;
    const inner = openMemoryStores({ sessionWindow: 5, sessionTtlS: 60, rewardWaitMs: 100, now: () => now });
    const reads: string[] = [];
    const shared = inner.servingContexts;
    const counting: typeof shared = {
      put: (c) => shared.put(c),
      get: (id) => (reads.push(id), shared.get(id)),
      markRewarded: (id, item) => shared.markRewarded(id, item),
      markRewardedAll: (marks) => shared.markRewardedAll(marks),
      claimDue: (at, limit) => shared.claimDue(at, limit),
      close: () => shared.close(),
    };
    const store = new CachedServingContextStore(counting, 100, 2, () => now);
    await store.put(context("r1", 1_000));
    expect((await store.get("r1"))?.items[0]!.itemId).toBe("a");
    expect(reads).toEqual([]);
    now = 1_100; // due: the sweeper may claim it now
    const due = await store.claimDue(now, 10);
    expect(due.map((d) => d.context.recommendationId)).toEqual(["r1"]);
    expect(await store.get("r1")).toBeNull();
    expect(reads).toEqual(["r1"]);
    await inner.close();
  });

  it("keeps at most its capacity and falls back to the shared store for the rest", async () => {
    const inner = openMemoryStores({ sessionWindow: 5, sessionTtlS: 60, rewardWaitMs: 60_000 });
    const store = new CachedServingContextStore(inner.servingContexts, 60_000, 2);
    const now = Date.now();
    for (const id of ["a", "b", "c"]) await store.put(context(id, now));
    for (const id of ["a", "b", "c"]) expect((await store.get(id))?.recommendationId).toBe(id);
    await inner.close();
  });
});
