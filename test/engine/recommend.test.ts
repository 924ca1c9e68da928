import { describe, expect, it } from "vitest";
import { counted, flowHarness, settle } from "./flow-harness";

describe("recommend over in-process stores", () => {
  it(
    "answers k distinct items with their propensities, " + "stores the serving context first and logs the impression",
    async () => {
      const h = flowHarness();
      const rec = await h.recommend({ k: 4 });
      expect(rec.degraded).toEqual([]);
      expect(rec.items).toHaveLength(4);
      expect(new Set(rec.items.map((s) => s.itemId)).size).toBe(4);
      expect(rec.items.map((s) => s.position)).toEqual([0, 1, 2, 3]);
      for (const slot of rec.items) {
        expect(slot.propensity).toBeGreaterThan(0);
        expect(slot.propensity).toBeLessThanOrEqual(1);
      }
      // Stored before the answer: feedback arriving right after finds it.
      const stored = await h.servingContexts.store.get(rec.recommendationId);
      expect(stored?.items.map((s) => s.itemId)).toEqual(rec.items.map((s) => s.itemId));
      await settle();
      expect(h.log.impressions.map((i) => i.recommendationId)).toEqual([rec.recommendationId]);
    },
  );

  it("leaves out what the shopper acted on in this session", async () => {
    const h = flowHarness({ items: 6 });
    await h.flow.handle(h.event({ itemId: "item-2" }));
    const rec = await h.recommend({ k: 6 });
    expect(rec.items.map((s) => s.itemId)).not.toContain("item-2");
    expect(rec.items).toHaveLength(5);
  });

  it("reads a cached profile without the user store", async () => {
    const h = flowHarness();
    await h.flow.handle(h.event());
    const reads = h.log.userReads;
    await h.recommend();
    expect(h.log.userReads).toBe(reads);
    expect(await counted(h.metrics.userCache, { result: "hit" })).toBe(1);
  });

  it("answers without the session store, naming it in degraded, and does not wait on the serving write", async () => {
    const h = flowHarness();
    h.sessions.down = true;
    const rec = await h.recommend();
    expect(rec.degraded).toEqual(["session_store"]);
    expect(rec.items).toHaveLength(3);
    expect(await counted(h.metrics.degraded, { reason: "session_store" })).toBe(1);
  });

  it("answers without the user store, naming it in degraded", async () => {
    const h = flowHarness();
    h.log.userStoreFailure = new Error("connection refused");
    const rec = await h.recommend({ userId: "new" });
    expect(rec.degraded).toEqual(["user_store"]);
    expect(rec.items).toHaveLength(3);
  });

  it("answers when the serving context cannot be stored; feedback on it is logged but trains nothing", async () => {
    const h = flowHarness();
    h.servingContexts.down = true;
    const rec = await h.recommend();
    expect(rec.degraded).toEqual([]);
    expect(rec.items).toHaveLength(3);
    h.servingContexts.down = false;
    const ack = await h.flow.handle(h.event({ itemId: rec.items[0]!.itemId, recommendationId: rec.recommendationId }));
    expect(ack).toEqual({ duplicate: false, appliedToModel: false });
    expect(await counted(h.metrics.feedbackUntrained, { reason: "context_gone" })).toBe(1);
  });
});
