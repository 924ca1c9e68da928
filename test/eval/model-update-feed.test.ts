import { describe, expect, it } from "vitest";
import { ModelUpdateFeed, type ModelUpdateSource } from "../../src/eval/model-update-feed";
import type { LoggedModelUpdate, ModelUpdate } from "../../src/state/ports";

/** A log of `count` updates named u0, u1, ..., paged as the event log pages them; counts the pages read. */
function fakeLog(count: number): ModelUpdateSource & { pages: number } {
  const updates: LoggedModelUpdate[] = Array.from({ length: count }, (_, i) => ({
    seq: String(i + 1),
    writer: null,
    effect: "add",
    removesSeq: null,
    itemId: `u${i}`,
    reward: 1,
    shared: new Float32Array(1),
    arm: new Float32Array(1),
  }));
  const log = {
    pages: 0,
    async modelUpdatesSince(afterSeq: string, limit: number) {
      log.pages++;
      return updates.slice(Number(afterSeq), Number(afterSeq) + limit);
    },
  };
  return log;
}

function recorder() {
  const applied: string[] = [];
  return { applied, apply: (update: ModelUpdate) => applied.push(update.itemId) > 0 };
}

describe("ModelUpdateFeed", () => {
  it("hands each reader the log's updates in order, up to the count asked, across pages", async () => {
    const log = fakeLog(12_000);
    const feed = new ModelUpdateFeed(log);
    const a = recorder();
    const b = recorder();
    const readerA = feed.reader();
    const readerB = feed.reader();
    for (const count of [0, 3, 3, 5_001, 11_999, 12_000]) {
      await feed.ensure(count);
      expect(readerA.advance(a, count)).toBe(true);
      expect(readerB.advance(b, count)).toBe(true);
    }
    expect(a.applied).toEqual(Array.from({ length: 12_000 }, (_, i) => `u${i}`));
    expect(b.applied).toEqual(a.applied);
    expect(log.pages).toBe(3);
  });

  it("says when it cannot rebuild the count asked: the log has fewer, or the model holds more", async () => {
    const feed = new ModelUpdateFeed(fakeLog(10));
    const model = recorder();
    const reader = feed.reader();
    await feed.ensure(25);
    expect(reader.advance(model, 25)).toBe(false);
    expect(model.applied).toHaveLength(10);
    expect(reader.advance(model, 4)).toBe(false);
  });

  it("drops updates every reader has passed, and keeps those a slower reader still needs", async () => {
    const feed = new ModelUpdateFeed(fakeLog(20_000));
    const fast = feed.reader();
    const slow = feed.reader();
    await feed.ensure(20_000);
    fast.advance(recorder(), 20_000);
    const behind = recorder();
    expect(slow.advance(behind, 20_000)).toBe(true);
    expect(behind.applied[0]).toBe("u0");
    expect(feed.at(0)).toBeUndefined();
    expect(feed.loaded).toBe(20_000);
  });
});
