import { describe, expect, it } from "vitest";
import { DefaultRewardSweeper } from "../../src/engine/default-rewards";
import { StoreGuard } from "../../src/engine/store-guard";
import { AlreadyExists, NotFound, Unavailable } from "../../src/errors";
import { silentLogger } from "../../src/log";
import { RejectedData } from "../../src/state/rejected-data";
import { counted, flowHarness, settle } from "./flow-harness";

describe("FeedbackFlow: per-user turns", () => {
  it(
    "runs one user's events through the steps before the log write in arrival order, " + "each building on the last",
    async () => {
      const h = flowHarness();
      h.log.readGate.held = true;
      const first = h.flow.handle(h.event({ itemId: "item-1" }));
      const second = h.flow.handle(h.event({ itemId: "item-2" }));
      await settle();
      // The first event waits on its profile read; the second waits its turn, not on a read of its own.
      expect(h.log.userReads).toBe(1);
      expect(h.log.writes).toEqual([]);
      h.log.readGate.release();
      expect(await Promise.all([first, second])).toEqual([
        { duplicate: false, appliedToModel: false },
        { duplicate: false, appliedToModel: false },
      ]);
      expect(h.log.feedback.map((r) => r.itemId)).toEqual(["item-1", "item-2"]);
      // The second event built on the first's profile, which was not yet committed when it was prepared.
      expect(h.log.rows.get("u")!.interactionCount).toBe(2);
      expect(h.log.userReads).toBe(1);
      expect((await h.sessions.store.window("s")).map((e) => e.itemId)).toEqual(["item-2", "item-1"]);
    },
  );

  it("does not hold one user's events behind another user's slow read", async () => {
    const h = flowHarness();
    h.log.readGate.held = true;
    const slow = h.flow.handle(h.event({ userId: "slow" }));
    await settle();
    h.log.readGate.held = false;
    const fast = await h.flow.handle(h.event({ userId: "fast" }));
    expect(fast.duplicate).toBe(false);
    expect(h.log.feedback.map((r) => r.userId)).toEqual(["fast"]);
    h.log.readGate.release();
    await slow;
    expect(h.log.feedback.map((r) => r.userId)).toEqual(["fast", "slow"]);
  });

  it("group-commits what queues while a write is in flight, in arrival order", async () => {
    const h = flowHarness();
    await h.flow.handle(h.event({ userId: "warm-a" }));
    await h.flow.handle(h.event({ userId: "warm-b" }));
    h.log.writeGate.held = true;
    const inFlight = h.flow.handle(h.event({ userId: "warm-a", eventId: "a1" }));
    await settle();
    const queued = [
      h.flow.handle(h.event({ userId: "warm-b", eventId: "b1" })),
      h.flow.handle(h.event({ userId: "warm-a", eventId: "a2" })),
    ];
    await settle();
    h.log.writeGate.release();
    await Promise.all([inFlight, ...queued]);
    expect(h.log.writes.slice(2)).toEqual([["a1"], ["b1", "a2"]]);
  });
});

describe("FeedbackFlow: the user cache follows the log", () => {
  it("caches the committed profile before acknowledging, and never the one a write in flight will leave", async () => {
    const h = flowHarness();
    await h.flow.handle(h.event());
    const committed = h.log.rows.get("u")!;
    expect(h.users.peek("u")).toBe(committed);

    h.log.writeGate.held = true;
    const pending = h.flow.handle(h.event({ itemId: "item-3" }));
    await settle();
    // Prepared (its profile is the next event's base), but what readers see is still the committed row.
    expect(h.log.writes).toHaveLength(2);
    expect(h.users.peek("u")).toBe(committed);
    h.log.writeGate.release();
    await pending;
    expect(h.users.peek("u")).toBe(h.log.rows.get("u"));
    expect(h.users.peek("u")!.interactionCount).toBe(2);
    // One store read for the user in all: the rest came from the cache and the flow's own chain.
    expect(h.log.userReads).toBe(1);
  });

  it("a duplicate with no row drops the cached profile, so the next read goes to the store", async () => {
    const h = flowHarness();
    const event = h.event();
    await h.flow.handle(event);
    expect(h.users.peek("u")).toBeDefined();
    expect(await h.flow.handle(event)).toEqual({ duplicate: true, appliedToModel: false });
    expect(h.users.peek("u")).toBeUndefined();
    expect(await counted(h.metrics.feedback, { outcome: "duplicate" })).toBe(1);
  });
});

describe("FeedbackFlow: commit timeout", () => {
  it(
    "tells the caller UNAVAILABLE when the log does not confirm in time; what lands later is applied, " +
      "and a retry is a duplicate",
    async () => {
      const h = flowHarness({ commitTimeoutMs: 40 });
      const rec = await h.recommend();
      const served = rec.items[0]!.itemId;
      const before = h.model.updateCount;
      h.log.writeGate.held = true;
      const event = h.event({ itemId: served, recommendationId: rec.recommendationId });
      const started = Date.now();
      const refused = await h.flow.handle(event).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(Unavailable);
      expect((refused as Error).message).toMatch(/did not confirm the write in time: retry the same event_id/);
      expect(Date.now() - started).toBeLessThan(1_000);
      // Nothing applied while the write is unconfirmed: no session event, no model update, no cached profile.
      expect(await h.sessions.store.window("s")).toEqual([]);
      expect(h.model.updateCount).toBe(before);
      expect(h.users.peek("u")).toBeUndefined();

      // The hung write lands after all: the log decides, and everything else follows it.
      h.log.writeGate.release();
      await h.flow.drain();
      await settle();
      expect(h.log.feedback.map((r) => r.eventId)).toEqual([event.eventId]);
      expect(h.model.updateCount).toBe(before + 1);
      expect(h.users.peek("u")).toBe(h.log.rows.get("u"));
      expect((await h.sessions.store.window("s")).map((e) => e.itemId)).toEqual([served]);
      expect(await h.flow.handle(event)).toEqual({ duplicate: true, appliedToModel: false });
    },
  );

  it(
    "the user's next event after a timeout builds on the profile the store holds, " + "not on the unconfirmed one",
    async () => {
      const h = flowHarness({ commitTimeoutMs: 150 });
      await h.flow.handle(h.event());
      h.log.writeGate.held = true;
      await expect(h.flow.handle(h.event())).rejects.toBeInstanceOf(Unavailable);
      const reads = h.log.userReads;
      const next = h.flow.handle(h.event());
      await settle();
      // Cache dropped and the unconfirmed profile forgotten: the store is asked again.
      expect(h.log.userReads).toBe(reads + 1);
      h.log.writeGate.release();
      expect(await next).toEqual({ duplicate: false, appliedToModel: false });
      expect(h.log.rows.get("u")!.interactionCount).toBe(3);
      expect(h.users.peek("u")).toBe(h.log.rows.get("u"));
    },
  );
});

describe("FeedbackFlow: refusals and degraded paths", () => {
  it("refuses an item not in the catalog with NOT_FOUND, before anything is written", async () => {
    const h = flowHarness();
    await expect(h.flow.handle(h.event({ itemId: "nope" }))).rejects.toBeInstanceOf(NotFound);
    expect(h.log.writes).toEqual([]);
    expect(await counted(h.metrics.feedback, { outcome: "rejected" })).toBe(1);
  });

  it("refuses with UNAVAILABLE when the user store cannot be read, and writes nothing", async () => {
    const h = flowHarness();
    h.log.userStoreFailure = new Error("connection refused");
    await expect(h.flow.handle(h.event())).rejects.toThrow(/user store is unavailable; nothing was applied/);
    expect(h.log.writes).toEqual([]);
  });

  it("refuses with UNAVAILABLE when the log write fails, applies nothing, and forgets the cached profile", async () => {
    const h = flowHarness();
    await h.flow.handle(h.event());
    h.log.failure = new Error("connection reset");
    await expect(h.flow.handle(h.event({ itemId: "item-5" }))).rejects.toThrow(
      /event log is unavailable; nothing was applied/,
    );
    expect(h.users.peek("u")).toBeUndefined();
    expect((await h.sessions.store.window("s")).map((e) => e.itemId)).toEqual(["item-0"]);
    h.log.failure = null;
    await h.flow.handle(h.event({ itemId: "item-5" }));
    expect(h.log.rows.get("u")!.interactionCount).toBe(2);
  });

  it("an event whose data the log refuses fails alone with INVALID_ARGUMENT", async () => {
    const h = flowHarness();
    const append = h.log.appendFeedback.bind(h.log);
    h.log.appendFeedback = async (entries) => {
      if (entries.some((e) => e.record.itemId === "item-7"))
        throw new RejectedData("the event log cannot store a value of this event");
      return append(entries);
    };
    h.log.writeGate.held = true;
    const first = h.flow.handle(h.event({ userId: "a" }));
    await settle();
    const [bad, good] = [
      h.flow.handle(h.event({ userId: "b", itemId: "item-7" })),
      h.flow.handle(h.event({ userId: "c" })),
    ];
    await settle();
    h.log.writeGate.release();
    await first;
    await expect(bad).rejects.toThrow(/correct the event before sending it again/);
    expect(await good).toEqual({ duplicate: false, appliedToModel: false });
    expect(h.log.feedback.map((r) => r.userId)).toEqual(["a", "c"]);
  });

  it("refuses an event id reused for another event with ALREADY_EXISTS", async () => {
    const h = flowHarness();
    await h.flow.handle(h.event({ eventId: "same" }));
    await expect(h.flow.handle(h.event({ eventId: "same", itemId: "item-2" }))).rejects.toBeInstanceOf(AlreadyExists);
  });

  it("logs an event whose serving context cannot be read, without training the model", async () => {
    const h = flowHarness();
    const rec = await h.recommend();
    const before = h.model.updateCount;
    h.servingContexts.down = true;
    const ack = await h.flow.handle(h.event({ itemId: rec.items[0]!.itemId, recommendationId: rec.recommendationId }));
    expect(ack).toEqual({ duplicate: false, appliedToModel: false });
    expect(h.log.feedback).toHaveLength(1);
    expect(h.model.updateCount).toBe(before);
    expect(await counted(h.metrics.feedbackUntrained, { reason: "context_unreadable" })).toBe(1);
  });

  it("trains the model on a served item, and counts feedback on an item the slate did not hold", async () => {
    const h = flowHarness();
    const rec = await h.recommend();
    const before = h.model.updateCount;
    const servedItem = rec.items[0]!.itemId;
    expect(await h.flow.handle(h.event({ itemId: servedItem, recommendationId: rec.recommendationId }))).toEqual({
      duplicate: false,
      appliedToModel: true,
    });
    expect(h.model.updateCount).toBe(before + 1);
    const notServed = ["item-0", "item-1", "item-2", "item-3", "item-4"].find(
      (id) => !rec.items.some((s) => s.itemId === id),
    )!;
    expect(await h.flow.handle(h.event({ itemId: notServed, recommendationId: rec.recommendationId }))).toEqual({
      duplicate: false,
      appliedToModel: false,
    });
    expect(await h.flow.handle(h.event({ recommendationId: "never-served" }))).toEqual({
      duplicate: false,
      appliedToModel: false,
    });
    expect(await counted(h.metrics.feedbackUntrained, { reason: "item_not_served" })).toBe(1);
    expect(await counted(h.metrics.feedbackUntrained, { reason: "context_gone" })).toBe(1);
  });

  it("acknowledges a logged event when the session store fails, counting the skipped session update", async () => {
    const h = flowHarness();
    h.sessions.down = true;
    expect(await h.flow.handle(h.event())).toEqual({ duplicate: false, appliedToModel: false });
    expect(h.log.feedback).toHaveLength(1);
    expect(await counted(h.metrics.sessionUpdatesSkipped)).toBe(1);
  });
});

describe("FeedbackFlow and the default-reward sweep: the model learns in log order", () => {
  it("learns a default-reward write after the feedback write the log committed before it", async () => {
    const h = flowHarness();
    const rec = await h.recommend();
    expect(rec.items.length).toBeGreaterThan(1);
    // Postgres releases the log's lock before the committing client hears of the commit: the feedback
    // write below takes its log position at once, and its answer comes only when the test releases it.
    const logged: string[] = [];
    const answer = { release: () => {} };
    const answered = new Promise<void>((resolve) => {
      answer.release = resolve;
    });
    const appendFeedback = h.log.appendFeedback.bind(h.log);
    h.log.appendFeedback = async (entries) => {
      const out = await appendFeedback(entries);
      if (entries.some((e) => e.record.modelUpdate !== null)) {
        logged.push("feedback");
        await answered;
      }
      return out;
    };
    h.log.appendDefaultRewards = async (records) => {
      logged.push("default rewards");
      return records;
    };
    const learned: string[] = [];
    const applyLocal = h.model.applyLocal.bind(h.model);
    h.model.applyLocal = (update) => {
      learned.push(update.reward > 0 ? "feedback" : "default rewards");
      applyLocal(update);
    };
    const sweeper = new DefaultRewardSweeper({
      servingContexts: h.servingContexts.store,
      events: h.log,
      model: h.model,
      guard: new StoreGuard({ timeoutMs: 1_000 }),
      metrics: h.metrics,
      log: silentLogger,
      defaultReward: 0,
      claimTimeoutMs: 500,
      positionDiscount: 1,
      feedbackWrites: h.flow.batcher,
      now: () => Date.now() + 61_000,
    });
    const clicked = h.flow.handle(
      h.event({ itemId: rec.items[0]!.itemId, recommendationId: rec.recommendationId, type: "click" }),
    );
    await settle();
    expect(logged).toEqual(["feedback"]);
    const swept = sweeper.sweep();
    await settle();
    // The sweep waits for the feedback write to be learned before it writes to the log.
    expect(logged).toEqual(["feedback"]);
    answer.release();
    await clicked;
    const defaults = await swept;
    expect(defaults).toBeGreaterThan(0);
    expect(logged).toEqual(["feedback", "default rewards"]);
    expect(learned).toEqual(["feedback", ...Array(defaults).fill("default rewards")]);
  });
});
