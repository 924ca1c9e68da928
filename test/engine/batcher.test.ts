import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/engine/batcher";

interface Item {
  key: string;
  n: number;
}

/** A flush that records each batch and settles only when the test says so. */
function controlledFlush() {
  const batches: { items: string[]; settle: () => void }[] = [];
  const flush = (items: Item[]) =>
    new Promise<string[]>((resolve) => {
      const names = items.map((i) => `${i.key}${i.n}`);
      batches.push({ items: names, settle: () => resolve(names.map((name) => `wrote ${name}`)) });
    });
  return { batches, flush };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("Batcher with two flushes in flight", () => {
  it("writes the next batch while one is in flight, but never one key's items in two flushes at once", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<Item, string>({ flush, maxBatch: 10, maxDelayMs: 0, maxQueued: 100, maxInFlight: 2, keyOf: (i) => i.key });
    const a1 = batcher.add({ key: "a", n: 1 });
    await tick();
    expect(batches.map((b) => b.items)).toEqual([["a1"]]);

    const a2 = batcher.add({ key: "a", n: 2 });
    const b1 = batcher.add({ key: "b", n: 1 });
    await tick();
    // b1 goes out beside the running flush; a2 waits, its key being in flight.
    expect(batches.map((b) => b.items)).toEqual([["a1"], ["b1"]]);

    const a3 = batcher.add({ key: "a", n: 3 });
    batches[1]!.settle();
    expect(await b1).toBe("wrote b1");
    await tick();
    expect(batches).toHaveLength(2);

    batches[0]!.settle();
    expect(await a1).toBe("wrote a1");
    await tick();
    // Key a is free again: its waiting items leave together, in the order they came.
    expect(batches[2]!.items).toEqual(["a2", "a3"]);
    batches[2]!.settle();
    expect([await a2, await a3]).toEqual(["wrote a2", "wrote a3"]);
  });

  it("never runs more flushes than allowed", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<Item, string>({ flush, maxBatch: 1, maxDelayMs: 0, maxQueued: 100, maxInFlight: 2, keyOf: (i) => i.key });
    const results = ["a", "b", "c", "d"].map((key) => batcher.add({ key, n: 1 }));
    await tick();
    expect(batches).toHaveLength(2);
    batches[0]!.settle();
    await tick();
    expect(batches).toHaveLength(3);
    batches[1]!.settle();
    batches[2]!.settle();
    await tick();
    batches[3]!.settle();
    expect(await Promise.all(results)).toEqual(["wrote a1", "wrote b1", "wrote c1", "wrote d1"]);
  });

  it("holds until every flush in flight is done and starts none meanwhile; drain writes the rest", async () => {
    const { batches, flush } = controlledFlush();
    const batcher = new Batcher<Item, string>({ flush, maxBatch: 10, maxDelayMs: 0, maxQueued: 100, maxInFlight: 2, keyOf: (i) => i.key });
    const a1 = batcher.add({ key: "a", n: 1 });
    await tick();
    const b1 = batcher.add({ key: "b", n: 1 });
    await tick();
    expect(batches).toHaveLength(2);

    let holding = false;
    const held = batcher.hold(async () => {
      holding = true;
      const c1 = batcher.add({ key: "c", n: 1 });
      await tick();
      expect(batches).toHaveLength(2);
      return { c1 }; // wrapped: returning the promise itself would make `held` wait for its write
    });
    batches[0]!.settle();
    await tick();
    expect(holding).toBe(false);
    batches[1]!.settle();
    const { c1 } = await held;
    expect(holding).toBe(true);
    expect([await a1, await b1]).toEqual(["wrote a1", "wrote b1"]);

    // Released, the hold lets the queued item go out; drain waits for it.
    const drained = batcher.drain();
    await tick();
    expect(batches[2]!.items).toEqual(["c1"]);
    batches[2]!.settle();
    await drained;
    expect(await c1).toBe("wrote c1");
    expect(batcher.queued).toBe(0);
  });

  it("hands a failed batch's error to its own callers only", async () => {
    const batcher = new Batcher<Item, string>({
      flush: async (items) => {
        if (items.some((i) => i.key === "bad")) throw new Error("log down");
        return items.map((i) => `wrote ${i.key}`);
      },
      maxBatch: 10,
      maxDelayMs: 0,
      maxQueued: 100,
      maxInFlight: 2,
      keyOf: (i) => i.key,
    });
    const bad = batcher.add({ key: "bad", n: 1 });
    const good = batcher.add({ key: "good", n: 1 });
    await expect(bad).rejects.toThrow("log down");
    expect(await good).toBe("wrote good");
  });
});
