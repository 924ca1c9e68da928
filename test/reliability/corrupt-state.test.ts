import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../helpers/service";
import { realStoresUp, startFaultyStack, type FaultyStack } from "./harness";

const enabled = await realStoresUp();

/** recs_corrupt_state_total by its `what` label. */
async function corruptCounts(s: FaultyStack): Promise<Map<string, number>> {
  const metric = await s.t.service.engine.metrics.corruptState.get();
  return new Map(metric.values.map((v) => [String(v.labels.what), v.value]));
}

async function totalCorrupt(s: FaultyStack): Promise<number> {
  return [...(await corruptCounts(s)).values()].reduce((a, b) => a + b, 0);
}

describe.runIf(enabled)("corrupt state written raw into Redis and Postgres", () => {
  let s: FaultyStack;

  beforeAll(async () => {
    // No fault injected here: a deadline that a busy test machine cannot miss by accident.
    s = await startFaultyStack({ storeTimeoutMs: 1_000 });
  });
  afterAll(() => s?.close());

  it("an undecodable session window entry is skipped and counted; the rest of the window still works", async () => {
    const rec = await s.t.client.recommend({ userId: "cs-user", sessionId: "cs-s", k: 3 });
    await s.t.client.feedback({
      eventId: "cs-1",
      userId: "cs-user",
      sessionId: "cs-s",
      itemId: rec.items[0]!.itemId,
      type: "CLICK",
    });
    const before = await totalCorrupt(s);
    await s.redis.lpush(`${s.prefix}{s:cs-s}`, "\u0000garbage{not an event", "");
    const again = await s.t.client.recommend({ userId: "cs-user", sessionId: "cs-s", k: 3 });
    expect(again.degraded).toEqual([]);
    const state = await s.t.client.getUserState("cs-user", "cs-s");
    expect(state.session.map((e) => e.itemId)).toEqual([rec.items[0]!.itemId]);
    expect(await totalCorrupt(s)).toBe(before + 4);
    expect((await corruptCounts(s)).get("session_event")).toBeGreaterThanOrEqual(4);
  });

  it(
    "an undecodable serving context reads as missing: the feedback is accepted, not applied to the model, " +
      "and counted",
    async () => {
      const rec = await s.t.client.recommend({ userId: "sc-user", sessionId: "sc-s", k: 3 });
      // A replica answers feedback on its own recommendations from memory, so the corrupt blob stands for
      // a context another replica served: the shared store is the only copy.
      const elsewhere = "served-by-another-replica";
      await s.redis.set(`${s.prefix}{rc:${elsewhere}}`, Buffer.from([0xff, 0x00, 0x13, 0x37]));
      const before = await totalCorrupt(s);
      const ack = await s.t.client.feedback({
        eventId: "sc-1",
        userId: "sc-user",
        sessionId: "sc-s",
        itemId: rec.items[0]!.itemId,
        type: "CLICK",
        recommendationId: elsewhere,
      });
      expect(ack).toMatchObject({ duplicate: false, appliedToModel: false });
      expect(await totalCorrupt(s)).toBe(before + 1);
      expect((await corruptCounts(s)).get("serving_context")).toBeGreaterThanOrEqual(1);
    },
  );

  it(
    "a user row with a wrong-sized embedding reads as no embedding, is counted, " + "and the next event repairs it",
    async () => {
      await s.db.query(
        "INSERT INTO users (user_id, embedding, interaction_count) VALUES ('warped', '{0.5,0.5,0.5}', 7)",
      );
      const before = await totalCorrupt(s);
      const rec = await s.t.client.recommend({ userId: "warped", sessionId: "w-s", k: 3 });
      expect(rec.degraded).toEqual([]);
      expect(rec.items).toHaveLength(3);
      expect(await totalCorrupt(s)).toBeGreaterThan(before);
      const state = await s.t.client.getUserState("warped");
      expect(state.interactionCount).toBe("7");
      expect(state.longTermEmbedding).toEqual([]);
      const ack = await s.t.client.feedback({
        eventId: "w-1",
        userId: "warped",
        sessionId: "w-s",
        itemId: rec.items[0]!.itemId,
        type: "PURCHASE",
        recommendationId: rec.recommendationId,
      });
      expect(ack.duplicate).toBe(false);
      const { rows } = await s.db.query(
        "SELECT array_length(embedding, 1) AS dim, interaction_count::int AS n FROM users WHERE user_id = 'warped'",
      );
      expect(rows[0]).toEqual({ dim: 8, n: 8 });
      // The metric's label stays one of a few kinds, whatever the user id: no label per user.
      for (const what of (await corruptCounts(s)).keys()) expect(what).toMatch(/^[a-z_]+$/);
    },
  );

  it("never answers INTERNAL for any of it", async () => {
    const calls = await Promise.all([
      codeOf(s.t.client.recommend({ userId: "warped", sessionId: "cs-s", k: 5 })),
      codeOf(s.t.client.getUserState("warped", "cs-s")),
      codeOf(s.t.client.getUserState("cs-user", "cs-s")),
    ]);
    expect(calls.map((c) => c.code)).toEqual([status.OK, status.OK, status.OK]);
  });
});
