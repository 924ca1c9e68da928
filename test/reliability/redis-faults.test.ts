import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecommendResponse__Output } from "../../src/server/generated/recs/v1/RecommendResponse";
import type { FaultMode } from "../helpers/fault-proxy";
import {
  counterTotal,
  eventually,
  FAULT_CONFIG,
  SLACK_MS,
  median,
  realStoresUp,
  startFaultyStack,
  timed,
  type FaultyStack,
} from "./harness";

const enabled = await realStoresUp();
const DEADLINE = FAULT_CONFIG.storeTimeoutMs!;

/** Faults of the Redis side: each is injected, driven through Recommend and Feedback, then healed. */
const FAULTS: FaultMode[] = [{ kind: "cut" }, { kind: "blackhole" }, { kind: "delay", ms: DEADLINE * 4 }];

describe.runIf(enabled)("Redis down or slow, through a fault proxy", () => {
  let s: FaultyStack;
  let eventNo = 0;

  beforeAll(async () => {
    s = await startFaultyStack();
  });
  afterAll(() => s?.close());

  const click = (user: string, session: string, itemId: string, recommendationId = "") =>
    s.t.client.feedback({
      eventId: `ev-${++eventNo}`,
      userId: user,
      sessionId: session,
      itemId,
      type: "CLICK",
      recommendationId,
    });

  it.each(FAULTS)(
    "$kind: Recommend degrades within the deadline, Feedback is logged, and the service heals itself",
    async (fault) => {
      const user = `u-${fault.kind}`;
      const session = `s-${fault.kind}`;
      let warm = await s.t.client.recommend({ userId: user, sessionId: session, k: 3 });
      await eventually(async () => {
        warm = await s.t.client.recommend({ userId: user, sessionId: session, k: 3 });
        expect(warm.degraded).toEqual([]);
      }, 5_000);
      await click(user, session, warm.items[0]!.itemId, warm.recommendationId);
      const skippedBefore = await counterTotal(s.t.service.engine.metrics.sessionUpdatesSkipped);

      await s.redisProxy.set(fault);
      try {
        // The first calls pay the deadline; then the breaker opens and answers come at once.
        const calls: Awaited<ReturnType<typeof timed<RecommendResponse__Output>>>[] = [];
        for (let i = 0; i < 10; i++)
          calls.push(await timed(() => s.t.client.recommend({ userId: user, sessionId: session, k: 3 })));
        for (const call of calls) {
          expect(call.error).toBeUndefined();
          expect(call.value!.degraded).toContain("session_store");
          expect(call.value!.items).toHaveLength(3);
          expect(call.ms).toBeLessThan(DEADLINE + SLACK_MS);
        }
        const afterBreaker = median(calls.slice(6).map((c) => c.ms));
        console.info(
          `${fault.kind}: first Recommend ${calls[0]!.ms.toFixed(0)} ms, ` +
            `median after the breaker opened ${afterBreaker.toFixed(1)} ms (deadline ${DEADLINE} ms)`,
        );
        expect(afterBreaker).toBeLessThan(DEADLINE / 2);

        // Feedback is logged and acknowledged; the session append it could not make is counted.
        const during = await timed(() =>
          click(user, session, calls[0]!.value!.items[1]!.itemId, calls[0]!.value!.recommendationId),
        );
        expect(during.error).toBeUndefined();
        expect(during.value!.duplicate).toBe(false);
        const { rows } = await s.db.query(
          "SELECT count(*)::int AS n FROM events WHERE kind = 'feedback' AND event_id = $1",
          [`ev-${eventNo}`],
        );
        expect(rows[0].n).toBe(1);
        expect(await counterTotal(s.t.service.engine.metrics.sessionUpdatesSkipped)).toBeGreaterThan(skippedBefore);
        const state = await s.t.client.getUserState(user);
        expect(state.interactionCount).toBe("2");
      } finally {
        await s.redisProxy.pass();
      }

      // No restart: the connection comes back, the breaker closes, and session state works again.
      const recovery = await eventually(async () => {
        const rec = await s.t.client.recommend({ userId: user, sessionId: session, k: 3 });
        expect(rec.degraded).toEqual([]);
        await click(user, session, rec.items[0]!.itemId, rec.recommendationId);
        const state = await s.t.client.getUserState(user, session);
        expect(state.session[0]!.itemId).toBe(rec.items[0]!.itemId);
      }, 10_000);
      console.info(`${fault.kind}: session state works again ${recovery} ms after Redis came back`);
    },
  );

  it("GetUserState names the session store when it cannot read the window, and answers without a session", async () => {
    await s.redisProxy.cut();
    try {
      const withSession = await timed(() => s.t.client.getUserState("u-cut", "s-cut"));
      expect(withSession.error).toMatchObject({
        code: status.UNAVAILABLE,
        details: expect.stringMatching(/session store/),
      });
      expect(withSession.ms).toBeLessThan(2_500);
      expect((await s.t.client.getUserState("u-cut")).interactionCount).not.toBe("0");
    } finally {
      await s.redisProxy.pass();
    }
  });
});
