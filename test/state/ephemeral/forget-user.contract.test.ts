import { describe, expect, it } from "vitest";
import { USER_INDEX_LIMIT, type ServingContext, type SessionAppend } from "../../../src/state/ports";
import { adaptersUnderTest, expectEveryKeyToExpire } from "./harness";

const adapters = await adaptersUnderTest();

function context(recommendationId: string, userId: string, servedAtMs: number): ServingContext {
  return {
    recommendationId,
    userId,
    sessionId: `session-of-${userId}`,
    modelVersion: "m-1",
    servedAtMs,
    items: [{ itemId: "sku-1", position: 0, propensity: 1, shared: new Float32Array(4), arm: new Float32Array(2) }],
  };
}

function append(sessionId: string, userId: string | undefined, atMs: number): SessionAppend {
  return { sessionId, ...(userId === undefined ? {} : { userId }), event: { itemId: "sku-1", type: "click", atMs } };
}

describe.each(adapters)("forgetUser contract ($name)", (adapter) => {
  it("deletes the user's session windows, no one else's, once", async () => {
    await adapter.withStores({ sessionTtlS: 2 }, async (opened) => {
      const { stores, now, redis } = opened;
      const t = now();
      await stores.sessions.appendAll([
        append("s1", "gone", t),
        append("s2", "gone", t + 1),
        append("s1", "gone", t + 2),
        append("s3", "kept", t + 3),
        append("s4", undefined, t + 4),
      ]);
      await stores.sessions.append("s5", { itemId: "sku-2", type: "click", atMs: t + 5 });
      // The index lives as long as the windows.
      expect(await expectEveryKeyToExpire(opened, 2_000)).toBe(redis ? 7 : 0);
      expect(await stores.sessions.forgetUser("gone")).toBe(2);
      expect(await stores.sessions.window("s1")).toEqual([]);
      expect(await stores.sessions.window("s2")).toEqual([]);
      expect(await stores.sessions.window("s3")).toHaveLength(1);
      expect(await stores.sessions.window("s4")).toHaveLength(1);
      expect(await stores.sessions.forgetUser("gone")).toBe(0);
      expect(await stores.sessions.forgetUser("nobody")).toBe(0);
      if (redis) expect(await redis.raw.exists(redis.keys.userSessions("gone"))).toBe(0);
      // A user who comes back after being forgotten has a new window.
      await stores.sessions.appendAll([append("s1", "gone", t + 6)]);
      expect(await stores.sessions.window("s1")).toHaveLength(1);
    });
  });

  it("deletes an expired user's nothing, and keeps a bounded index", async () => {
    await adapter.withStores({ sessionTtlS: 1 }, async ({ stores, now, advance, redis }) => {
      const t = now();
      const many = Array.from({ length: USER_INDEX_LIMIT + 5 }, (_, i) => append(`m${i}`, "busy", t + i));
      await stores.sessions.appendAll(many);
      if (redis) expect(await redis.raw.zcard(redis.keys.userSessions("busy"))).toBe(USER_INDEX_LIMIT);
      const forgotten = await stores.sessions.forgetUser("busy");
      expect(forgotten).toBeGreaterThanOrEqual(USER_INDEX_LIMIT);
      expect(await stores.sessions.window(`m${USER_INDEX_LIMIT + 4}`)).toEqual([]);
      await stores.sessions.appendAll([append("late", "expired", now())]);
      await advance(1_200);
      expect(await stores.sessions.forgetUser("expired")).toBe(0);
    });
  });

  it("deletes the user's serving contexts, so they are never due", async () => {
    await adapter.withStores({ rewardWaitMs: 200, contextGraceMs: 1_000 }, async (opened) => {
      const { stores, now, advance, redis } = opened;
      const t = now();
      await stores.servingContexts.put(context("r1", "gone", t));
      await stores.servingContexts.put(context("r2", "gone", t));
      await stores.servingContexts.put(context("r3", "kept", t));
      await stores.servingContexts.markRewarded("r1", "sku-1");
      expect(await expectEveryKeyToExpire(opened, 1_200)).toBe(redis ? 7 : 0);
      expect(await stores.servingContexts.forgetUser("gone")).toBe(2);
      expect(await stores.servingContexts.get("r1")).toBeNull();
      expect(await stores.servingContexts.servedItem("r2", "sku-1")).toEqual({ found: false });
      expect(await stores.servingContexts.forgetUser("gone")).toBe(0);
      await advance(250);
      const due = await stores.servingContexts.claimDue(now(), 10);
      expect(due.map((d) => d.context.recommendationId)).toEqual(["r3"]);
      if (redis) expect((await redis.allKeys()).filter((k) => k.includes("gone"))).toEqual([]);
    });
  });
});
