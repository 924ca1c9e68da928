import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/engine/batcher";
import { ResourceExhausted } from "../../src/errors";

/** A flush that records each batch and settles only when the test says so. */
function controlledFlush() {
  const batches: { items: string[]; settle: () => void }[] = [];
  const flush = (items: string[]) =>
    new Promise<string[]>((resolve) => {
      batches.push({ items, settle: () => resolve(items.map((item) => `wrote ${item}`)) });
    });
  return { batches, flush };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("Batcher", () => {
  it("writes one batch at a time; what queued meanwhile leaves together, in order, once it settles", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<string, string>({ flush, maxBatch: 10, maxDelayMs: 0, maxQueued: 100 });
    const a1 = batcher.add("a1");
    await tick();
    expect(batches.map((b) => b.items)).toEqual([["a1"]]);

    const rest = ["b1", "a2", "c1"].map((item) => batcher.add(item));
    await tick();
    expect(batches).toHaveLength(1);
    expect(batcher.queued).toBe(3);

    batches[0]!.settle();
    expect(await a1).toBe("wrote a1");
    await tick();
    expect(batches[1]!.items).toEqual(["b1", "a2", "c1"]);
    batches[1]!.settle();
    expect(await Promise.all(rest)).toEqual(["wrote b1", "wrote a2", "wrote c1"]);
  });

  it("takes at most maxBatch items per flush", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<string, string>({ flush, maxBatch: 2, maxDelayMs: 0, maxQueued: 100 });
    const results = ["a", "b", "c", "d", "e"].map((item) => batcher.add(item));
    for (let i = 0; i < 3; i++) {
      await tick();
      batches[i]!.settle();
    }
    expect(await Promise.all(results)).toEqual(["wrote a", "wrote b", "wrote c", "wrote d", "wrote e"]);
    expect(batches.map((b) => b.items)).toEqual([["a"], ["b", "c"], ["d", "e"]]);
  });

  it("holds until the flush in flight is done and starts none meanwhile; drain writes the rest", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<string, string>({ flush, maxBatch: 10, maxDelayMs: 0, maxQueued: 100 });
    const a1 = batcher.add("a1");
    await tick();
    expect(batches).toHaveLength(1);

    let holding = false;
    const held = batcher.hold(async () => {
      holding = true;
      const c1 = batcher.add("c1");
      await tick();
      expect(batches).toHaveLength(1);
      return { c1 }; // wrapped: returning the promise itself would make `held` wait for its write
    });
    await tick();
    expect(holding).toBe(false);
    batches[0]!.settle();
    const { c1 } = await held;
    expect(holding).toBe(true);
    expect(await a1).toBe("wrote a1");

    // Released, the hold lets the queued item go out; drain waits for it.
    const drained = batcher.drain();
    await tick();
    expect(batches[1]!.items).toEqual(["c1"]);
    batches[1]!.settle();
    await drained;
    expect(await c1).toBe("wrote c1");
    expect(batcher.queued).toBe(0);
  });

  it("hands a failed batch's error to its own callers only", async () => {
    const batcher = new Batcher<string, string>({
      flush: async (items) => {
        if (items.includes("bad")) throw new Error("log down");
        return items.map((item) => `wrote ${item}`);
      },
      maxBatch: 10,
      maxDelayMs: 0,
      maxQueued: 100,
    });
    const bad = batcher.add("bad");
    const good = batcher.add("good");
    await expect(bad).rejects.toThrow("log down");
    expect(await good).toBe("wrote good");
  });

  it("refuses with RESOURCE_EXHAUSTED beyond maxQueued instead of queueing", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<string, string>({ flush, maxBatch: 10, maxDelayMs: 0, maxQueued: 1 });
    const first = batcher.add("in flight");
    const second = batcher.add("queued");
    await expect(batcher.add("one too many")).rejects.toBeInstanceOf(ResourceExhausted);
    batches[0]!.settle();
    await tick();
    batches[1]!.settle();
    expect([await first, await second]).toEqual(["wrote in flight", "wrote queued"]);
  });
});
