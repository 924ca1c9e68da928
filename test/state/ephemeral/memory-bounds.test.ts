import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { MemoryServingContextStore } from "../../../src/state/memory/memory-serving-context-store";
import { MemorySessionStore } from "../../../src/state/memory/memory-session-store";
import { openMemoryStores } from "../../../src/state/memory/open-memory-stores";
import type { ServingContext } from "../../../src/state/ports";
import { silentLogger } from "../../../src/log";

function context(recommendationId: string, servedAtMs: number): ServingContext {
  return { recommendationId, userId: "u", sessionId: "s", modelVersion: "m", servedAtMs, items: [] };
}

describe("memory stores stay bounded", () => {
  it("evicts the session appended to least recently once maxSessions are held", async () => {
    const sessions = new MemorySessionStore({ sessionWindow: 10, sessionTtlS: 60, maxSessions: 3, now: () => 0 });
    for (const id of ["s1", "s2", "s3"]) await sessions.append(id, { itemId: id, type: "click", atMs: 0 });
    await sessions.append("s1", { itemId: "again", type: "click", atMs: 0 });
    await sessions.append("s4", { itemId: "s4", type: "click", atMs: 0 });
    expect(sessions.size).toBe(3);
    expect(await sessions.window("s2")).toEqual([]);
    expect((await sessions.window("s1")).map((e) => e.itemId)).toEqual(["again", "s1"]);
    expect(await sessions.window("s3")).toHaveLength(1);
  });

  it("drops the oldest serving context once maxContexts are held", async () => {
    const store = new MemoryServingContextStore({
      rewardWaitMs: 10,
      contextTtlMs: 1000,
      maxContexts: 2,
      now: () => 0,
      logger: silentLogger,
    });
    for (const id of ["r1", "r2", "r3"]) await store.put(context(id, 0));
    expect(store.size).toBe(2);
    expect(await store.get("r1")).toBeNull();
    expect((await store.claimDue(10, 10)).map((d) => d.context.recommendationId)).toEqual(["r2", "r3"]);
  });

  it("sweeps expired sessions and contexts in the background, without any read", async () => {
    let clock = 0;
    const stores = openMemoryStores({
      sessionWindow: 5,
      sessionTtlS: 1,
      rewardWaitMs: 100,
      contextGraceMs: 100,
      sweepIntervalMs: 5,
      now: () => clock,
    });
    try {
      for (let i = 0; i < 100; i++) {
        await stores.sessions.append(`s${i}`, { itemId: "x", type: "click", atMs: 0 });
        await stores.servingContexts.put(context(`r${i}`, 0));
      }
      const sessions = stores.sessions as MemorySessionStore;
      const contexts = stores.servingContexts as MemoryServingContextStore;
      expect([sessions.size, contexts.size]).toEqual([100, 100]);
      clock = 999;
      await sleep(30);
      expect([sessions.size, contexts.size]).toEqual([100, 0]);
      clock = 1000;
      await sleep(30);
      expect([sessions.size, contexts.size]).toEqual([0, 0]);
    } finally {
      await stores.close();
    }
  });
});
