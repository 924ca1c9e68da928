import { describe, expect, it } from "vitest";
import { CachedServingContextStore } from "../../src/state/cached-serving-context-store";
import { openMemoryStores } from "../../src/state/memory/open-memory-stores";
import type { ServingContext, ServingContextStore } from "../../src/state/ports";

const context = (id: string, servedAtMs: number): ServingContext => ({
  recommendationId: id,
  userId: "u",
  sessionId: "s",
  modelVersion: "v",
  servedAtMs,
  items: [{ itemId: "a", position: 0, propensity: 0.9, shared: Float32Array.of(1, 2), arm: Float32Array.of(3) }],
});

describe("CachedServingContextStore", () => {
  /** The shared store, counting the calls that reach it (and failing the next one on demand). */
  function counted(shared: ServingContextStore) {
    const reads: string[] = [];
    const control = { failNext: false };
    const read = async <T>(id: string, call: () => Promise<T>): Promise<T> => {
      reads.push(id);
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (control.failNext) {
        control.failNext = false;
        throw new Error("redis went away");
      }
      return call();
    };
    const store: ServingContextStore = {
      put: (c) => shared.put(c),
      get: (id) => read(id, () => shared.get(id)),
      servedItem: (id, item) => read(id, () => shared.servedItem(id, item)),
      markRewarded: (id, item) => shared.markRewarded(id, item),
      markRewardedAll: (marks) => shared.markRewardedAll(marks),
      claimDue: (at, limit) => shared.claimDue(at, limit),
      forgetUser: (userId) => shared.forgetUser(userId),
      close: () => shared.close(),
    };
    return { store, reads, control };
  }

  it("answers from memory until the context is due, then defers to the shared store", async () => {
    let now = 1_000;
    const inner = openMemoryStores({ sessionWindow: 5, sessionTtlS: 60, rewardWaitMs: 100, now: () => now });
    const { store: counting, reads } = counted(inner.servingContexts);
    const store = new CachedServingContextStore(counting, 100, 2, () => now);
    await store.put(context("r1", 1_000));
    expect((await store.get("r1"))!.items[0]!.itemId).toBe("a");
    expect(await store.servedItem("r1", "a")).toMatchObject({ found: true, item: { itemId: "a", position: 0 } });
    expect(await store.servedItem("r1", "zz")).toEqual({ found: true, item: null, modelVersion: "v" });
    expect(reads).toEqual([]);
    now = 1_100; // due: the sweeper may claim it now
    const due = await store.claimDue(now, 10);
    expect(due.map((d) => d.context.recommendationId)).toEqual(["r1"]);
    expect(await store.get("r1")).toBeNull();
    expect(await store.servedItem("r1", "a")).toEqual({ found: false });
    expect(reads).toEqual(["r1", "r1"]);
    await inner.close();
  });

  it("keeps at most its capacity and falls back to the shared store for the rest", async () => {
    const inner = openMemoryStores({ sessionWindow: 5, sessionTtlS: 60, rewardWaitMs: 60_000 });
    const { store: counting, reads } = counted(inner.servingContexts);
    const store = new CachedServingContextStore(counting, 60_000, 2);
    const now = Date.now();
    for (const id of ["a", "b", "c"]) await store.put(context(id, now));
    for (const id of ["a", "b", "c"]) expect((await store.get(id))?.recommendationId).toBe(id);
    for (const id of ["a", "b", "c"]) expect((await store.servedItem(id, "a")).found).toBe(true);
    expect(reads).toEqual(["a", "a"]); // the oldest was dropped; the other two answered from memory
    await inner.close();
  });

  it(
    "reads a slot of a context it does not hold from the shared store each time, keeping nothing, " +
      "and a failure is not kept",
    async () => {
      const inner = openMemoryStores({ sessionWindow: 5, sessionTtlS: 60, rewardWaitMs: 60_000 });
      const { store: counting, reads, control } = counted(inner.servingContexts);
      // Served by another replica: this one has never seen it.
      await inner.servingContexts.put(context("other", Date.now()));
      const store = new CachedServingContextStore(counting, 60_000, 10);
      const slot = await store.servedItem("other", "a");
      expect(slot).toEqual({
        found: true,
        item: { itemId: "a", position: 0, propensity: 0.9, shared: Float32Array.of(1, 2), arm: Float32Array.of(3) },
        modelVersion: "v",
      });
      expect(await store.servedItem("other", "b")).toEqual({ found: true, item: null, modelVersion: "v" });
      expect(await store.servedItem("unknown", "a")).toEqual({ found: false });
      control.failNext = true;
      await expect(store.servedItem("other", "a")).rejects.toThrow("redis went away");
      expect((await store.servedItem("other", "a")).found).toBe(true);
      expect(reads).toEqual(["other", "other", "unknown", "other", "other"]);
      await inner.close();
    },
  );
});
