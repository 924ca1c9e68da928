import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { FeedbackEvent } from "../../src/server/generated/recs/v1/FeedbackEvent";
import { codeOf, serviceForSuite, type StoreKind } from "../helpers/service";

const DAY_MS = 86_400_000;
const kinds: StoreKind[] = ["embedded", "real"];

/** Issue 21, the feedback path: nothing lost (to retention), nothing poisoned (by a neighbour), no conflict hidden. */
describe.each(kinds)("Feedback hygiene over a socket (%s stores)", (kind) => {
  const suite = serviceForSuite(kind);

  const event = (eventId: string, extra: Partial<FeedbackEvent> = {}): FeedbackEvent => ({
    eventId,
    userId: "hy-u",
    sessionId: "hy-s",
    itemId: "item-1",
    type: "CLICK",
    ...extra,
  });

  it("refuses occurred_at_ms outside [now - retention, now + 1 day], naming the field and the unit", async ({
    skip,
  }) => {
    if (!suite.enabled) skip();
    const retentionMs = suite.t.config.eventRetentionDays * DAY_MS;
    const cases: Array<[string, string, RegExp]> = [
      // Past what a JS Date (and so the event-log write) can hold: it used to fail the whole batch UNAVAILABLE.
      ["past Date range", "9000000000000000", /occurred_at_ms/],
      ["seconds by mistake", "1700000000", /milliseconds since the Unix epoch/],
      ["older than retention", String(Date.now() - retentionMs - 60_000), /retention/],
      ["two days ahead", String(Date.now() + 2 * DAY_MS), /ahead/],
    ];
    for (const [name, occurredAtMs, message] of cases) {
      const result = await codeOf(suite.t.client.feedback(event(`range-${name}`, { occurredAtMs })));
      expect({ name, code: result.code }).toEqual({ name, code: status.INVALID_ARGUMENT });
      expect(result.details, name).toMatch(/occurred_at_ms/);
      expect(result.details, name).toMatch(message);
    }
    const seconds = await codeOf(suite.t.client.feedback(event("range-seconds", { occurredAtMs: "1700000000" })));
    expect(seconds.details).toMatch(/bulk import|warm start/);
    // Inside the window, at both ends, is accepted.
    for (const [name, at] of [
      ["just inside retention", Date.now() - retentionMs + 60_000],
      ["hours ahead", Date.now() + 3_600_000],
    ] as const) {
      expect(await suite.t.client.feedback(event(`range-ok-${name}`, { occurredAtMs: String(at) })), name).toEqual({
        duplicate: false,
        appliedToModel: false,
      });
    }
  });

  it("a seconds-for-milliseconds event is refused, so no acknowledged event is deleted by the retention sweep", async ({
    skip,
  }) => {
    if (!suite.enabled) skip();
    const mistaken = event("ret-seconds", { userId: "ret-u", occurredAtMs: "1700000000" });
    const kept = event("ret-kept", {
      userId: "ret-u",
      occurredAtMs: String(Date.now() - (suite.t.config.eventRetentionDays - 1) * DAY_MS),
    });
    expect((await codeOf(suite.t.client.feedback(mistaken))).code).toBe(status.INVALID_ARGUMENT);
    expect((await suite.t.client.feedback(kept)).duplicate).toBe(false);
    // The sweep the engine runs hourly.
    await suite.t.service.stores.durable.events.enforceRetention(Date.now(), suite.t.config.eventRetentionDays);
    // Still logged: a retry is a duplicate, not a second acceptance of an event the sweep forgot.
    expect(await suite.t.client.feedback(kept)).toEqual({ duplicate: true, appliedToModel: false });
    expect((await suite.t.client.getUserState("ret-u")).interactionCount).toBe("1");
  });

  it("one poisoned event in a stream of 200 is rejected alone; concurrent unary Feedback is unaffected", async ({
    skip,
  }) => {
    if (!suite.enabled) skip();
    const events = Array.from({ length: 200 }, (_, i) =>
      event(`poison-${i}`, { userId: `po-${i % 7}`, sessionId: `po-s-${i % 7}`, itemId: `item-${i % 40}` }),
    );
    events[100] = { ...events[100]!, occurredAtMs: "9000000000000000" };
    const unary = Array.from({ length: 20 }, (_, i) =>
      suite.t.client.feedback(event(`poison-unary-${i}`, { userId: `pu-${i}`, itemId: `item-${i}` })),
    );
    const [summary, ...acks] = await Promise.all([suite.t.client.ingestFeedback(events), ...unary]);
    expect(summary).toMatchObject({ received: "200", accepted: "199", duplicates: "0", rejected: "1" });
    expect(summary.rejections).toEqual([
      { index: "100", id: "poison-100", reason: expect.stringMatching(/occurred_at_ms/) },
    ]);
    for (const ack of acks) expect(ack).toEqual({ duplicate: false, appliedToModel: false });
    const counts = await Promise.all(Array.from({ length: 7 }, (_, u) => suite.t.client.getUserState(`po-${u}`)));
    expect(counts.reduce((sum, s) => sum + Number(s.interactionCount), 0)).toBe(199);
  });

  it(
    "a reused event_id with a different payload is ALREADY_EXISTS; the same payload (occurred_at_ms 0 = now) " +
      "is a duplicate",
    async ({ skip }) => {
      if (!suite.enabled) skip();
      const original = event("reuse-1", {
        userId: "re-u",
        sessionId: "re-s",
        itemId: "item-3",
        type: "PURCHASE",
        occurredAtMs: "0",
      });
      expect(await suite.t.client.feedback(original)).toEqual({ duplicate: false, appliedToModel: false });
      // A retry of the same event: occurred_at_ms 0 resolves to a new "now", and that is not a difference.
      expect(await suite.t.client.feedback(original)).toEqual({ duplicate: true, appliedToModel: false });
      expect(await suite.t.client.feedback({ ...original, occurredAtMs: String(Date.now() - 1000) })).toEqual({
        duplicate: true,
        appliedToModel: false,
      });
      const changes: Array<[string, Partial<FeedbackEvent>]> = [
        ["user_id", { userId: "re-other" }],
        ["session_id", { sessionId: "re-other-s" }],
        ["item_id", { itemId: "item-4" }],
        ["type", { type: "CLICK" }],
        ["reward", { reward: 0.25 }],
        ["recommendation_id", { recommendationId: "some-recommendation" }],
      ];
      for (const [field, change] of changes) {
        const result = await codeOf(suite.t.client.feedback({ ...original, ...change }));
        expect({ field, code: result.code }).toEqual({ field, code: status.ALREADY_EXISTS });
        expect(result.details, field).toMatch(/event_id "reuse-1"/);
      }
      const state = await suite.t.client.getUserState("re-u", "re-s");
      expect(state.interactionCount).toBe("1");
      expect(state.session.map((e) => [e.itemId, e.type])).toEqual([["item-3", "PURCHASE"]]);
    },
  );

  it("in a stream, a reused event_id with another payload is a rejection with that reason", async ({ skip }) => {
    if (!suite.enabled) skip();
    const first = event("reuse-s-1", { userId: "rs-u", itemId: "item-5" });
    expect((await suite.t.client.feedback(first)).duplicate).toBe(false);
    const summary = await suite.t.client.ingestFeedback([
      first,
      { ...first, itemId: "item-6" },
      event("reuse-s-2", { userId: "rs-u", itemId: "item-7" }),
      { ...event("reuse-s-2", { userId: "rs-u", itemId: "item-8" }) },
    ]);
    expect(summary).toMatchObject({ received: "4", accepted: "1", duplicates: "1", rejected: "2" });
    expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
      ["1", "reuse-s-1"],
      ["3", "reuse-s-2"],
    ]);
    for (const r of summary.rejections) expect(r.reason).toMatch(/event_id .* was already used for a different event/);
    expect((await suite.t.client.getUserState("rs-u")).interactionCount).toBe("2");
  });
});
