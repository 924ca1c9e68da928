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

  it("keeps a context it had to read, shares concurrent reads of one id, and retries after a failed read", async () => {
    let now = 1_000;
    const inner = openMemoryStores({ sessionWindow: 5, sessionTtlS: 60, rewardWaitMs: 100, now: () => now });
    const shared = inner.servingContexts;
    const reads: string[] = [];
    let failNext = false;
    const counting: typeof shared = {
      put: (c) => shared.put(c),
      get: async (id) => {
        reads.push(id);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failNext) {
          failNext = false;
          throw new Error("redis went away");
        }
        return shared.get(id);
      },
      markRewarded: (id, item) => shared.markRewarded(id, item),
      markRewardedAll: (marks) => shared.markRewardedAll(marks),
      claimDue: (at, limit) => shared.claimDue(at, limit),
      close: () => shared.close(),
    };
    // Served by another replica: this one has never seen it.
    await shared.put(context("other", 1_000));
    const store = new CachedServingContextStore(counting, 100, 10, () => now);
    const answers = await Promise.all(Array.from({ length: 8 }, () => store.get("other")));
    expect(answers.map((a) => a?.recommendationId)).toEqual(Array(8).fill("other"));
    expect(reads).toEqual(["other"]);
    expect((await store.get("other"))?.items[0]!.itemId).toBe("a");
    expect(reads).toEqual(["other"]); // kept after the first read

    await shared.put(context("flaky", 1_000));
    failNext = true;
    const failed = await Promise.allSettled([store.get("flaky"), store.get("flaky")]);
    expect(failed.map((f) => f.status)).toEqual(["rejected", "rejected"]);
    expect((await store.get("flaky"))?.recommendationId).toBe("flaky"); // asked again, not a kept failure
    expect(reads).toEqual(["other", "flaky", "flaky"]);

    // A context read after it is due is not kept: the sweeper's claim decides from then on.
    await shared.put(context("late", 1_000));
    now = 1_150;
    expect((await store.get("late"))?.recommendationId).toBe("late");
    expect((await store.get("late"))?.recommendationId).toBe("late");
    expect(reads.filter((id) => id === "late")).toHaveLength(2);
    await inner.close();
  });
});
