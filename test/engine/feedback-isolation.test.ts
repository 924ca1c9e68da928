import { describe, expect, it } from "vitest";
import type { StreamEntry } from "../../src/engine/engine";
import type { FeedbackInput } from "../../src/engine/types";
import { InvalidArgument } from "../../src/errors";
import { serviceForSuite, type StoreKind } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

/**
 * Defence in depth behind validation: an event the event log cannot store, handed to the engine past
 * the server's checks, fails alone in its group-commit batch. Real stores, the engine's own entry points.
 */
describe.each(kinds)("one event the log refuses fails alone (%s stores)", (kind) => {
  const suite = serviceForSuite(kind);

  const input = (eventId: string, extra: Partial<FeedbackInput> = {}): FeedbackInput => ({
    eventId,
    userId: "iso-u",
    sessionId: "iso-s",
    itemId: "item-1",
    type: "click",
    recommendationId: null,
    reward: null,
    occurredAtMs: Date.now(),
    ...extra,
  });
  async function* stream(inputs: FeedbackInput[]): AsyncIterable<StreamEntry<FeedbackInput>> {
    for (const value of inputs) yield { id: value.eventId, value };
  }

  // A time no Date holds fails while the write is built; a lone surrogate fails in Postgres (22P02).
  const poisons: Array<[string, Partial<FeedbackInput>]> = [
    ["a time past what a Date holds", { occurredAtMs: 9e15 }],
    ["text Postgres cannot hold", { sessionId: "iso-\ud800" }],
  ];

  it.each(poisons)(
    "%s: a stream of 200 gets 199 accepted and 1 rejected; concurrent unary Feedback is unaffected",
    async (name, poison) => {
      if (!suite.enabled) return;
      const run = name.replace(/\W+/g, "-");
      const inputs = Array.from({ length: 200 }, (_, i) =>
        input(`${run}-${i}`, { userId: `${run}-u${i % 9}`, sessionId: `${run}-s${i % 9}`, itemId: `item-${i % 40}` }),
      );
      inputs[100] = { ...inputs[100]!, ...poison };
      const unary = Array.from({ length: 30 }, (_, i) =>
        suite.t.service.engine.feedback(
          input(`${run}-unary-${i}`, { userId: `${run}-unary-u${i}`, itemId: `item-${i}` }),
        ),
      );
      const [summary, ...acks] = await Promise.all([suite.t.service.engine.ingestFeedback(stream(inputs)), ...unary]);
      expect(summary).toMatchObject({ received: 200, accepted: 199, duplicates: 0, rejected: 1 });
      expect(summary.rejections).toEqual([
        {
          index: 100,
          id: `${run}-100`,
          reason: expect.stringMatching(/event log (cannot store|refused) a value of this event/),
        },
      ]);
      for (const ack of acks) expect(ack).toEqual({ duplicate: false, appliedToModel: false });
      const counts = await Promise.all(
        Array.from({ length: 9 }, async (_, u) =>
          Number((await suite.t.client.getUserState(`${run}-u${u}`)).interactionCount),
        ),
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(199);
      // The rejected event left nothing behind: sent again as is, it is refused again, not a duplicate.
      await expect(suite.t.service.engine.feedback(inputs[100]!)).rejects.toBeInstanceOf(InvalidArgument);
    },
  );

  it("a unary poisoned event is INVALID_ARGUMENT, and the events batched with it are accepted", async ({ skip }) => {
    if (!suite.enabled) skip();
    const calls = Array.from({ length: 40 }, (_, i) =>
      suite.t.service.engine
        .feedback(input(`mixed-${i}`, { userId: `mixed-u${i % 4}`, ...(i === 17 ? { occurredAtMs: 9e15 } : {}) }))
        .then(
          (ack) => ({ ok: ack }),
          (err: unknown) => ({ err }),
        ),
    );
    const results = await Promise.all(calls);
    expect(results.filter((r) => "ok" in r)).toHaveLength(39);
    const failed = results[17] as { err: unknown };
    expect(failed.err).toBeInstanceOf(InvalidArgument);
    expect((failed.err as Error).message).toMatch(/correct the event/);
  });
});
