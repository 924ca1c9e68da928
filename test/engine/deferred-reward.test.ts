import { describe, expect, it } from "vitest";
import { serviceForSuite, type StoreKind } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

describe.each(kinds)("deferred rewards (%s stores)", (kind) => {
  const suite = serviceForSuite(kind, { overrides: { rewardWaitMs: 400, defaultReward: 0 }, catalogSize: 30 });

  it("gives each shown item nobody acted on exactly one default reward after the wait window", async ({ skip }) => {
    if (!suite.enabled) skip();
    const model = suite.t.service.engine.model;
    const events = suite.t.service.stores.durable.events;
    const startSeq = await events.latestSeq();
    const before = model.updateCount;
    const servedAt = Date.now();
    const rec = await suite.t.client.recommend({ userId: "dr", sessionId: "dr", k: 3 });
    expect(rec.items).toHaveLength(3);
    const ack = await suite.t.client.feedback({
      eventId: "dr-1",
      userId: "dr",
      sessionId: "dr",
      itemId: rec.items[1]!.itemId,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    expect(ack.appliedToModel).toBe(true);
    expect(model.updateCount).toBe(before + 1);

    // Before the window ends, nothing more (checked only while the window surely has not ended).
    if (Date.now() - servedAt < 300) expect(model.updateCount).toBe(before + 1);

    // After it (and a sweep or two), exactly the two unrewarded items, once each, with reward 0.
    for (let waited = 0; model.updateCount < before + 3 && waited < 10_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
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
    const late = await suite.t.client.feedback({
      eventId: "dr-2",
      userId: "dr",
      sessionId: "dr",
      itemId: rec.items[0]!.itemId,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    expect(late).toEqual({ duplicate: false, appliedToModel: false });
  });
});
