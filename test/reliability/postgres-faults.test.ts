import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  counterTotal,
  eventually,
  FAULT_CONFIG,
  SLACK_MS,
  realStoresUp,
  startFaultyStack,
  timed,
  type FaultyStack,
} from "./harness";

const enabled = await realStoresUp();
const DEADLINE = FAULT_CONFIG.storeTimeoutMs!;

describe.runIf(enabled)("Postgres down, and both stores down, through fault proxies", () => {
  let s: FaultyStack;

  beforeAll(async () => {
    s = await startFaultyStack();
  });
  afterAll(() => s?.close());

  it(
    "serves from cache, session and popularity; refuses Feedback without half-applying it; " +
      "a retry lands exactly once",
    async () => {
      const engine = s.t.service.engine;
      // A known user: cached by this replica, with a session and a recommendation to answer.
      const first = await s.t.client.recommend({ userId: "known", sessionId: "known-s", k: 4 });
      expect(
        (
          await s.t.client.feedback({
            eventId: "pg-1",
            userId: "known",
            sessionId: "known-s",
            itemId: first.items[0]!.itemId,
            type: "CLICK",
            recommendationId: first.recommendationId,
          })
        ).duplicate,
      ).toBe(false);
      const before = await s.t.client.getUserState("known", "known-s");
      const modelBefore = engine.model.updateCount;
      const feedbackIdsBefore = await s.db.query("SELECT count(*)::int AS n FROM events WHERE kind = 'feedback'");

      await s.postgresProxy.cut();
      let retried: {
        eventId: string;
        userId: string;
        sessionId: string;
        itemId: string;
        type: "PURCHASE";
        recommendationId: string;
      };
      try {
        const cached = await timed(() => s.t.client.recommend({ userId: "known", sessionId: "known-s", k: 4 }));
        expect(cached.error).toBeUndefined();
        expect(cached.value!.degraded).not.toContain("user_store");
        expect(cached.value!.items).toHaveLength(4);

        const unknown = await timed(() => s.t.client.recommend({ userId: "never-cached", sessionId: "fresh-s", k: 4 }));
        expect(unknown.error).toBeUndefined();
        expect(unknown.value!.degraded).toContain("user_store");
        expect(unknown.value!.items).toHaveLength(4);
        expect(unknown.ms).toBeLessThan(DEADLINE + SLACK_MS);

        retried = {
          eventId: "pg-retry",
          userId: "known",
          sessionId: "known-s",
          itemId: cached.value!.items[1]!.itemId,
          type: "PURCHASE",
          recommendationId: cached.value!.recommendationId,
        };
        const refused = await timed(() => s.t.client.feedback(retried));
        expect(refused.error).toMatchObject({
          code: status.UNAVAILABLE,
          details: expect.stringMatching(/retry the same event_id/),
        });
        expect(refused.ms).toBeLessThan(5_000);
        // Nothing of the refused event reached the model while the log was down.
        expect(engine.model.updateCount).toBe(modelBefore);
      } finally {
        await s.postgresProxy.pass();
      }

      // After recovery: no session append, no interaction, no model update from the refused event.
      await eventually(async () => {
        const after = await s.t.client.getUserState("known", "known-s");
        expect(after.interactionCount).toBe(before.interactionCount);
        expect(after.session).toEqual(before.session);
      }, 10_000);
      expect(engine.model.updateCount).toBe(modelBefore);
      expect((await s.db.query("SELECT count(*)::int AS n FROM events WHERE kind = 'feedback'")).rows[0].n).toBe(
        feedbackIdsBefore.rows[0].n,
      );

      // The client retries the same event_id: it lands once, and only once.
      const landed = await s.t.client.feedback(retried!);
      expect(landed).toMatchObject({ duplicate: false, appliedToModel: true });
      const again = await s.t.client.feedback(retried!);
      expect(again).toMatchObject({ duplicate: true, appliedToModel: false });
      const after = await s.t.client.getUserState("known", "known-s");
      expect(Number(after.interactionCount)).toBe(Number(before.interactionCount) + 1);
      expect(after.session.map((e) => e.itemId)).toEqual([retried!.itemId, ...before.session.map((e) => e.itemId)]);
      expect(engine.model.updateCount).toBe(modelBefore + 1);
    },
  );

  it("a Postgres slower than the Recommend deadline degrades Recommend but still takes Feedback", async () => {
    const item = (await s.t.client.recommend({ userId: "slow-warm", k: 1 })).items[0]!.itemId;
    // Each way, so a round trip costs more than the Recommend-path deadline but far less than Feedback's.
    await s.postgresProxy.delay(DEADLINE * 0.8);
    try {
      for (let i = 0; i < 8; i++) {
        const rec = await s.t.client.recommend({ userId: `slow-${i}`, sessionId: `slow-s-${i}`, k: 3 });
        expect(rec.degraded).toContain("user_store");
      }
      // The Recommend path's breaker is open now; the feedback path, which can wait, is not refused.
      const ack = await timed(() =>
        s.t.client.feedback({ eventId: "slow-fb", userId: "slow-9", sessionId: "slow-s", itemId: item, type: "CLICK" }),
      );
      expect(ack.error).toBeUndefined();
      expect(ack.value!.duplicate).toBe(false);
    } finally {
      await s.postgresProxy.pass();
    }
    expect((await s.t.client.getUserState("slow-9")).interactionCount).toBe("1");
  });

  it("a hung Postgres: Feedback answers UNAVAILABLE in bounded time, " +
    "and the late write and the retry add up to exactly once", async () => {
    const engine = s.t.service.engine;
    const rec = await s.t.client.recommend({ userId: "hung", sessionId: "hung-s", k: 3 });
    await s.t.client.feedback({
      eventId: "hung-0",
      userId: "hung",
      sessionId: "hung-s",
      itemId: rec.items[0]!.itemId,
      type: "CLICK",
    });
    const modelBefore = engine.model.updateCount;
    const event = {
      eventId: "hung-1",
      userId: "hung",
      sessionId: "hung-s",
      itemId: rec.items[1]!.itemId,
      type: "PURCHASE" as const,
      recommendationId: rec.recommendationId,
    };
    await s.postgresProxy.blackhole();
    try {
      const refused = await timed(() => s.t.client.feedback(event));
      expect(refused.error).toMatchObject({
        code: status.UNAVAILABLE,
        details: expect.stringMatching(/retry the same event_id/),
      });
      expect(refused.ms).toBeLessThan(5_000 + SLACK_MS);
    } finally {
      await s.postgresProxy.pass();
    }
    // Whether the held write landed or not, one retry settles it, and the event counts once everywhere.
    const retry = await s.t.client.feedback(event);
    const again = await s.t.client.feedback(event);
    expect(again.duplicate).toBe(true);
    await eventually(async () => {
      expect(engine.model.updateCount).toBe(modelBefore + 1);
      expect((await s.t.client.getUserState("hung")).interactionCount).toBe("2");
    }, 5_000);
    const { rows } = await s.db.query("SELECT count(*)::int AS n FROM events WHERE event_id = 'hung-1'");
    expect(rows[0].n).toBe(1);
    const firstRetry = retry.duplicate
      ? "a duplicate (the held write landed late and was applied then)"
      : "accepted (the held write never landed)";
    console.info(`hung Postgres: the first retry was ${firstRetry}`);
  }, 20_000);

  it("with both down, Recommend answers with popularity from memory and Feedback is UNAVAILABLE", async () => {
    // Make a few items popular, so popularity has something to say.
    const rec = await s.t.client.recommend({ userId: "pop", sessionId: "pop-s", k: 5 });
    for (const [i, item] of rec.items.slice(0, 2).entries()) {
      await s.t.client.feedback({
        eventId: `pop-${i}`,
        userId: `pop-${i}`,
        sessionId: "pop-s",
        itemId: item.itemId,
        type: "PURCHASE",
      });
    }
    const degradedBefore = await counterTotal(s.t.service.engine.metrics.degraded);
    await Promise.all([s.postgresProxy.cut(), s.redisProxy.cut()]);
    try {
      for (let i = 0; i < 8; i++) {
        const call = await timed(() =>
          s.t.client.recommend({ userId: `stranger-${i}`, sessionId: `stranger-s-${i}`, k: 5 }),
        );
        expect(call.error).toBeUndefined();
        expect(call.value!.degraded).toEqual(["session_store", "user_store"]);
        expect(call.value!.items).toHaveLength(5);
        expect(call.ms).toBeLessThan(DEADLINE + SLACK_MS);
      }
      expect(await counterTotal(s.t.service.engine.metrics.degraded)).toBe(degradedBefore + 16);
      const feedback = await s.t.client
        .feedback({
          eventId: "both-down",
          userId: "pop-9",
          sessionId: "x",
          itemId: rec.items[0]!.itemId,
          type: "CLICK",
        })
        .catch((e: { code: number }) => e);
      expect(feedback).toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      await Promise.all([s.postgresProxy.pass(), s.redisProxy.pass()]);
    }
    await eventually(async () => {
      const back = await s.t.client.recommend({ userId: "stranger-0", sessionId: "stranger-s-0", k: 5 });
      expect(back.degraded).toEqual([]);
    }, 10_000);
    expect(
      (
        await s.t.client.feedback({
          eventId: "both-down",
          userId: "pop-9",
          sessionId: "x",
          itemId: rec.items[0]!.itemId,
          type: "CLICK",
        })
      ).duplicate,
    ).toBe(false);
  });
});
