import { describe, expect, it } from "vitest";
import type { FeedbackKind, SessionEvent } from "../../../src/state/ports";
import { adaptersUnderTest, expectEveryKeyToExpire } from "./harness";

const adapters = await adaptersUnderTest();

function event(itemId: string, atMs: number, type: FeedbackKind = "click"): SessionEvent {
  return { itemId, type, atMs };
}

describe.each(adapters)("SessionStore contract ($name)", (adapter) => {
  it("returns the window newest first with every field intact", async () => {
    await adapter.withStores({}, async ({ stores, now }) => {
      const t = now();
      const appended: SessionEvent[] = [
        event("sku-1", t, "click"),
        event("sku|with|pipes", t + 1, "add_to_cart"),
        event("ünïcødé-☃", t + 2, "purchase"),
        event("sku-4", t + 3, "dismiss"),
        event("sku-5", t + 4, "unspecified"),
      ];
      for (const e of appended) await stores.sessions.append("shopper-session", e);
      expect(await stores.sessions.window("shopper-session")).toEqual([...appended].reverse());
      expect(await stores.sessions.window("another-session")).toEqual([]);
    });
  });

  it("keeps only the last `sessionWindow` events", async () => {
    await adapter.withStores({ sessionWindow: 3 }, async ({ stores, now, redis }) => {
      for (let i = 0; i < 8; i++) await stores.sessions.append("s", event(`sku-${i}`, now() + i));
      expect((await stores.sessions.window("s")).map((e) => e.itemId)).toEqual(["sku-7", "sku-6", "sku-5"]);
      if (redis) expect(await redis.raw.llen(redis.keys.session("s"))).toBe(3);
    });
  });

  it(
    "appends a batch across sessions in its order, more than one script call holds, " + "as appends one by one would",
    async () => {
      await adapter.withStores({ sessionWindow: 4, sessionTtlS: 1 }, async (opened) => {
        const { stores, now, redis } = opened;
        const t = now();
        // 3 sessions interleaved, 700 events: more than one call's worth (MAX_SCRIPT_BATCH) in one batch.
        const appends = Array.from({ length: 700 }, (_, i) => ({
          sessionId: `s${i % 3}`,
          event: event(`sku-${i}`, t + i, i % 2 ? "click" : "purchase"),
        }));
        await stores.sessions.appendAll(appends);
        for (let s = 0; s < 3; s++) {
          const expected = appends
            .filter((a) => a.sessionId === `s${s}`)
            .map((a) => a.event)
            .slice(-4)
            .reverse();
          expect(await stores.sessions.window(`s${s}`)).toEqual(expected);
          if (redis) expect(await redis.raw.llen(redis.keys.session(`s${s}`))).toBe(4);
        }
        await stores.sessions.appendAll([]);
        // The batch refreshed every session's TTL, like single appends.
        expect(await expectEveryKeyToExpire(opened, 1000)).toBe(redis ? 3 : 0);
      });
    },
  );

  it("sets a TTL on every key, refreshes it on append, and forgets an idle session", async () => {
    await adapter.withStores({ sessionTtlS: 1 }, async (opened) => {
      const { stores, now, advance } = opened;
      await stores.sessions.append("s", event("sku-1", now()));
      expect(await expectEveryKeyToExpire(opened, 1000)).toBe(opened.redis ? 1 : 0);
      await advance(700);
      await stores.sessions.append("s", event("sku-2", now()));
      await advance(700); // 1.4 s after the first append, 0.7 s after the second
      expect((await stores.sessions.window("s")).map((e) => e.itemId)).toEqual(["sku-2", "sku-1"]);
      await advance(700);
      expect(await stores.sessions.window("s")).toEqual([]);
    });
  });

  it("loses no event when 50 appenders write to one session at once", async () => {
    await adapter.withStores({ sessionWindow: 64 }, async ({ stores, openPeer, now }) => {
      const handles = [stores, ...(await Promise.all([1, 2, 3, 4].map(() => openPeer())))];
      const ids = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
      await Promise.all(ids.map((id, i) => handles[i % handles.length]!.sessions.append("busy", event(id, now()))));
      const window = await stores.sessions.window("busy");
      expect(window).toHaveLength(50);
      expect(new Set(window.map((e) => e.itemId))).toEqual(new Set(ids));
    });
  });

  it("never exceeds the bound when 50 appenders race on a small window", async () => {
    await adapter.withStores({ sessionWindow: 5 }, async ({ stores, openPeer, now, redis }) => {
      const handles = [stores, ...(await Promise.all([1, 2, 3, 4].map(() => openPeer())))];
      const ids = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
      await Promise.all(ids.map((id, i) => handles[i % handles.length]!.sessions.append("busy", event(id, now()))));
      const window = await stores.sessions.window("busy");
      expect(window).toHaveLength(5);
      expect(new Set(window.map((e) => e.itemId)).size).toBe(5);
      for (const e of window) expect(ids).toContain(e.itemId);
      if (redis) expect(await redis.raw.llen(redis.keys.session("busy"))).toBe(5);
    });
  });

  if (adapter.name !== "memory")
    it("skips undecodable entries, reports them, and keeps the rest", async () => {
      await adapter.withStores({}, async ({ stores, now, corrupt, redis }) => {
        const key = redis!.keys.session("s");
        await stores.sessions.append("s", event("sku-1", now()));
        await redis!.raw.lpush(key, "not an event", "zz|c|bad-time-is-fine-but-code-ok", "1a|?|unknown-type");
        await stores.sessions.append("s", event("sku-2", now()));
        const window = await stores.sessions.window("s");
        // "zz" is valid base36, so that entry decodes; the other two do not.
        expect(window.map((e) => e.itemId)).toEqual(["sku-2", "bad-time-is-fine-but-code-ok", "sku-1"]);
        expect(corrupt).toEqual(["session_event", "session_event"]);
      });
    });

  if (adapter.name !== "memory")
    it("stores a window of 50 events in well under 2 KB", async () => {
      await adapter.withStores({ sessionWindow: 50 }, async ({ stores, now, redis }) => {
        const types: FeedbackKind[] = ["click", "add_to_cart", "purchase", "dismiss"];
        for (let i = 0; i < 60; i++)
          await stores.sessions.append("s", event(`sku-${String(100_000 + i * 7919)}`, now() + i * 1000, types[i % 4]));
        expect(await stores.sessions.window("s")).toHaveLength(50);
        const bytes = (await redis!.raw.call("MEMORY", "USAGE", redis!.keys.session("s"), "SAMPLES", "0")) as number;
        console.info(`session window of 50 events: MEMORY USAGE = ${bytes} bytes`);
        expect(bytes).toBeLessThan(2048);
      });
    });
});
