import { describe, expect, it } from "vitest";
import type { DueServingContext, ServingContext, ServingContextStore } from "../../../src/state/ports";
import { adaptersUnderTest, expectEveryKeyToExpire } from "./harness";

const adapters = await adaptersUnderTest();

/** Values that a lossy encoding (JSON, float64 rounding, text) would change. */
const AWKWARD_FLOATS = [0, -0, 1e-45, -1.1754942e-38, 3.4028235e38, Math.fround(Math.PI), Math.fround(1 / 3), -7.25];

function vector(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++)
    out[i] =
      i < AWKWARD_FLOATS.length ? AWKWARD_FLOATS[(i + seed) % AWKWARD_FLOATS.length]! : Math.sin(seed * 31 + i) * 1e3;
  return out;
}

function servingContext(recommendationId: string, servedAtMs: number, itemCount = 3): ServingContext {
  return {
    recommendationId,
    userId: "user-ü-1",
    sessionId: "session-7",
    modelVersion: "m-42",
    servedAtMs,
    items: Array.from({ length: itemCount }, (_, position) => ({
      itemId: `sku-${position}`,
      position,
      propensity: 0.95 / (position + 1),
      shared: vector(40, position),
      arm: vector(12, position + 100),
    })),
  };
}

/** Exact, bit-for-bit comparison of a context, Float32 vectors included (toEqual treats -0 and 0 alike). */
function expectSameContext(actual: ServingContext | null | undefined, expected: ServingContext): void {
  expect(actual).not.toBeNull();
  const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  const plain = (c: ServingContext) => ({
    ...c,
    items: c.items.map((i) => ({ ...i, shared: bytes(i.shared), arm: bytes(i.arm) })),
  });
  expect(plain(actual!)).toEqual(plain(expected));
  for (const item of actual!.items) expect(item.shared).toBeInstanceOf(Float32Array);
}

async function claimAll(store: ServingContextStore, nowMs: number, limit: number): Promise<DueServingContext[]> {
  const claimed: DueServingContext[] = [];
  for (;;) {
    const batch = await store.claimDue(nowMs, limit);
    if (batch.length === 0) return claimed;
    expect(batch.length).toBeLessThanOrEqual(limit);
    claimed.push(...batch);
  }
}

describe.each(adapters)("ServingContextStore contract ($name)", (adapter) => {
  const wait = 600_000;

  it("round-trips a context exactly, Float32 vectors bit for bit, without consuming it", async () => {
    await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now }) => {
      const context = servingContext("rec-1", now(), 5);
      await stores.servingContexts.put(context);
      context.items[0]!.shared[0] = 99; // the store holds its own copy
      const expected = servingContext("rec-1", context.servedAtMs, 5);
      expectSameContext(await stores.servingContexts.get("rec-1"), expected);
      expectSameContext(await stores.servingContexts.get("rec-1"), expected);
      expect(await stores.servingContexts.get("rec-unknown")).toBeNull();
    });
  });

  it(
    "reads the slot an item was served in, exactly, null for an item not served, " +
      "not found for an unknown or claimed context",
    async () => {
      await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now }) => {
        const t = now();
        await stores.servingContexts.put(servingContext("rec-s", t, 4));
        const expected = servingContext("rec-s", t, 4);
        for (const position of [0, 3]) {
          const lookup = await stores.servingContexts.servedItem("rec-s", `sku-${position}`);
          expect(lookup.found).toBe(true);
          const item = lookup.found ? lookup.item : null;
          expectSameContext({ ...expected, items: [item!] }, { ...expected, items: [expected.items[position]!] });
        }
        expect(await stores.servingContexts.servedItem("rec-s", "sku-9")).toEqual({
          found: true,
          item: null,
          modelVersion: "m-42",
        });
        expect(await stores.servingContexts.servedItem("rec-unknown", "sku-0")).toEqual({ found: false });
        await claimAll(stores.servingContexts, t + wait, 10);
        expect(await stores.servingContexts.servedItem("rec-s", "sku-0")).toEqual({ found: false });
      });
    },
  );

  it("claims only contexts that are due, each once, with the items that were rewarded", async () => {
    await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now }) => {
      const t = now();
      await stores.servingContexts.put(servingContext("rec-early", t - 1000));
      await stores.servingContexts.put(servingContext("rec-late", t));
      await stores.servingContexts.markRewarded("rec-early", "sku-2");
      await stores.servingContexts.markRewarded("rec-early", "sku-0");
      await stores.servingContexts.markRewarded("rec-early", "sku-0");

      expect(await stores.servingContexts.claimDue(t + wait - 1001, 10)).toEqual([]);
      const first = await stores.servingContexts.claimDue(t + wait - 1, 10);
      expect(first.map((d) => d.context.recommendationId)).toEqual(["rec-early"]);
      expect([...first[0]!.rewardedItemIds].sort()).toEqual(["sku-0", "sku-2"]);
      expectSameContext(first[0]!.context, servingContext("rec-early", t - 1000));
      expect(await stores.servingContexts.get("rec-early")).toBeNull();
      expect(await stores.servingContexts.claimDue(t + wait - 1, 10)).toEqual([]);

      const second = await stores.servingContexts.claimDue(t + wait, 10);
      expect(second.map((d) => d.context.recommendationId)).toEqual(["rec-late"]);
      expect(second[0]!.rewardedItemIds).toEqual([]);
    });
  });

  it("claims at most `limit` at a time, oldest due first", async () => {
    await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now }) => {
      const t = now();
      for (let i = 0; i < 5; i++) await stores.servingContexts.put(servingContext(`rec-${i}`, t - i * 10));
      const batch = await stores.servingContexts.claimDue(t + wait, 2);
      expect(batch.map((d) => d.context.recommendationId)).toEqual(["rec-4", "rec-3"]);
      expect((await claimAll(stores.servingContexts, t + wait, 2)).map((d) => d.context.recommendationId)).toEqual([
        "rec-2",
        "rec-1",
        "rec-0",
      ]);
    });
  });

  it(
    "marks a batch of items across recommendations at once, skipping unknown ones, " +
      "more than one script call holds",
    async () => {
      await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now, redis }) => {
        const t = now();
        const ids = Array.from({ length: 300 }, (_, i) => `rec-${i}`);
        await Promise.all(ids.map((id) => stores.servingContexts.put(servingContext(id, t))));
        // Two items for every held recommendation, plus one never served, in one batch of 601 marks.
        const marks = ids.flatMap((id) => [
          { recommendationId: id, itemId: "sku-0" },
          { recommendationId: id, itemId: `sku-${id.length}` },
        ]);
        marks.splice(150, 0, { recommendationId: "rec-never-served", itemId: "sku-1" });
        await stores.servingContexts.markRewardedAll(marks);
        await stores.servingContexts.markRewardedAll([]);
        const claimed = await claimAll(stores.servingContexts, t + wait, 1000);
        expect(claimed).toHaveLength(300);
        for (const { context, rewardedItemIds } of claimed)
          expect([...rewardedItemIds].sort()).toEqual(["sku-0", `sku-${context.recommendationId.length}`].sort());
        if (redis) expect(await redis.allKeys()).not.toContainEqual(expect.stringContaining("rec-never-served"));
      });
    },
  );

  it("marking an unknown recommendation changes nothing", async () => {
    await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now, redis }) => {
      await stores.servingContexts.markRewarded("rec-never-served", "sku-1");
      expect(await stores.servingContexts.get("rec-never-served")).toBeNull();
      expect(await stores.servingContexts.claimDue(now() + 10 * wait, 10)).toEqual([]);
      if (redis) expect(await redis.allKeys()).toEqual([]);
    });
  });

  it("gives each context to exactly one of two concurrent claimers", async () => {
    await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, openPeer, now }) => {
      const t = now();
      const ids = Array.from({ length: 60 }, (_, i) => `rec-${i}`);
      await Promise.all(ids.map((id, i) => stores.servingContexts.put(servingContext(id, t - i, 1))));
      const peer = await openPeer();
      const [mine, theirs] = await Promise.all([
        claimAll(stores.servingContexts, t + wait, 7),
        claimAll(peer.servingContexts, t + wait, 7),
      ]);
      const mineIds = mine.map((d) => d.context.recommendationId);
      const theirIds = theirs.map((d) => d.context.recommendationId);
      expect([...mineIds, ...theirIds].sort()).toEqual([...ids].sort());
      expect(mineIds.filter((id) => theirIds.includes(id))).toEqual([]);
    });
  });

  it("sets a TTL on every key and forgets a context after the wait window plus grace", async () => {
    await adapter.withStores({ rewardWaitMs: 200, contextGraceMs: 300 }, async (opened) => {
      const { stores, now, advance } = opened;
      await stores.servingContexts.put(servingContext("rec-1", now()));
      await stores.servingContexts.markRewarded("rec-1", "sku-1");
      // Context, rewarded set, due set and the user's index (DeleteUser): every one expires.
      expect(await expectEveryKeyToExpire(opened, 500)).toBe(opened.redis ? 4 : 0);
      await advance(250);
      expect(await stores.servingContexts.get("rec-1")).not.toBeNull();
      await advance(350);
      expect(await stores.servingContexts.get("rec-1")).toBeNull();
      expect(await stores.servingContexts.claimDue(now(), 10)).toEqual([]);
      await stores.servingContexts.markRewarded("rec-1", "sku-2");
      if (opened.redis) expect(await opened.redis.allKeys()).toEqual([]);
    });
  });

  if (adapter.name !== "memory")
    it("reads an undecodable context as missing, reports it, and claims the rest", async () => {
      await adapter.withStores({ rewardWaitMs: wait }, async ({ stores, now, corrupt, redis }) => {
        const t = now();
        await stores.servingContexts.put(servingContext("rec-good", t));
        await stores.servingContexts.put(servingContext("rec-bad", t));
        const badKey = redis!.keys.servingContext("rec-bad");
        const valid = (await redis!.raw.getBuffer(badKey))!;
        await redis!.raw.set(badKey, valid.subarray(0, valid.length - 3), "PX", 60_000);
        expect(await stores.servingContexts.get("rec-bad")).toBeNull();
        expect(corrupt).toEqual(["serving_context"]);
        expect(await stores.servingContexts.servedItem("rec-bad", "sku-0")).toEqual({ found: false });
        expect(corrupt).toEqual(["serving_context", "serving_context"]);
        const claimed = await stores.servingContexts.claimDue(t + wait, 10);
        expect(claimed.map((d) => d.context.recommendationId)).toEqual(["rec-good"]);
        expect(corrupt).toEqual(["serving_context", "serving_context", "serving_context"]);
        expect(await redis!.raw.exists(badKey)).toBe(0);
      });
    });
});
