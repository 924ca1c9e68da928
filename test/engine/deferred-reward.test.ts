import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, testCatalog, type StoreKind, type TestService, type TestStorage } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

describe.each(kinds)("deferred rewards (%s stores)", (kind) => {
  let storage: TestStorage;
  let t: TestService;
  let enabled = true;

  beforeAll(async () => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    t = await startTestService(storage, { rewardWaitMs: 400, defaultReward: 0 });
    await t.client.upsertItems(testCatalog(30));
  });
  afterAll(async () => {
    if (!enabled) return;
    t.client.close();
    await t.service.stop();
    await storage.drop();
  });

  it("gives each shown item nobody acted on exactly one default reward after the wait window", async ({ skip }) => {
    if (!enabled) skip();
    const model = t.service.engine.model;
    const events = t.service.stores.durable.events;
    const startSeq = await events.latestSeq();
    const before = model.updateCount;
    const servedAt = Date.now();
    const rec = await t.client.recommend({ userId: "dr", sessionId: "dr", k: 3 });
    expect(rec.items).toHaveLength(3);
    const ack = await t.client.feedback({ eventId: "dr-1", userId: "dr", sessionId: "dr", itemId: rec.items[1]!.itemId, type: "CLICK", recommendationId: rec.recommendationId });
    expect(ack.appliedToModel).toBe(true);
    expect(model.updateCount).toBe(before + 1);

    // Before the window ends, nothing more (checked only while the window surely has not ended).
    if (Date.now() - servedAt < 300) expect(model.updateCount).toBe(before + 1);

    // After it (and a sweep or two), exactly the two unrewarded items, once each, with reward 0.
    for (let waited = 0; model.updateCount < before + 3 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(model.updateCount).toBe(before + 3);
    await new Promise((r) => setTimeout(r, 600));
    expect(model.updateCount).toBe(before + 3);

    const logged = await events.modelUpdatesSince(startSeq, 100);
    const byItem = new Map(logged.map((u) => [u.itemId, u.reward]));
    expect(logged).toHaveLength(3);
    expect(byItem.get(rec.items[1]!.itemId)).toBe(1);
    expect(byItem.get(rec.items[0]!.itemId)).toBe(0);
    expect(byItem.get(rec.items[2]!.itemId)).toBe(0);

    // Feedback after the window no longer trains the model (its serving context is gone).
    const late = await t.client.feedback({ eventId: "dr-2", userId: "dr", sessionId: "dr", itemId: rec.items[0]!.itemId, type: "CLICK", recommendationId: rec.recommendationId });
    expect(late).toEqual({ duplicate: false, appliedToModel: false });
  });
});
