import { describe, expect, it } from "vitest";
import { HybridLinUCB } from "../../src/bandit/hybrid";
import { seededRandom } from "../../src/bandit/rng";
import { examinationWeight, examinedUpdate } from "../../src/engine/examination";

describe("examinationWeight", () => {
  it("is (1 + slot)^-η relative to slot 0, and 1 everywhere at η = 0", () => {
    expect(examinationWeight(0, 1)).toBe(1);
    expect(examinationWeight(1, 1)).toBe(0.5);
    expect(examinationWeight(3, 1)).toBe(0.25);
    expect(examinationWeight(3, 0.5)).toBe(0.5);
    expect(examinationWeight(7, 0)).toBe(1);
  });
});

describe("examinedUpdate", () => {
  const served = { itemId: "a", position: 1, shared: Float32Array.of(1, -2, 0.5), arm: Float32Array.of(1, 0.25) };

  it("scales the served features by the slot's weight and leaves the served copy alone", () => {
    const update = examinedUpdate(served, 1, 1);
    expect(update).toEqual({
      surface: "default",
      itemId: "a",
      shared: Float32Array.of(0.5, -1, 0.25),
      arm: Float32Array.of(0.5, 0.125),
      reward: 1,
    });
    expect(served.shared).toEqual(Float32Array.of(1, -2, 0.5));
  });

  it("passes slot 0 (and η = 0) through as served", () => {
    const top = examinedUpdate({ ...served, position: 0 }, 0, 1);
    expect(top.shared).toBe(served.shared);
    expect(top.arm).toBe(served.arm);
    expect(examinedUpdate(served, 0, 0).shared).toBe(served.shared);
  });

  it("keeps an item served low from looking worse than an equal item served first", () => {
    // Two items with the same click chance when looked at (0.3); "low" is always in slot 3, which is
    // looked at a quarter as often. Learned from raw rewards, "low" seems to have a quarter of the appeal.
    const meanOf = (exponent: number) => {
      const bandit = new HybridLinUCB({ sharedDim: 1, armDim: 1, alpha: 0 });
      const rng = seededRandom(11);
      for (let i = 0; i < 4000; i++) {
        for (const [itemId, position] of [
          ["top", 0],
          ["low", 3],
        ] as const) {
          const clicked = rng() < 0.3 * examinationWeight(position, 1);
          const update = examinedUpdate(
            { itemId, position, shared: Float32Array.of(1), arm: Float32Array.of(1) },
            clicked ? 1 : 0,
            exponent,
          );
          bandit.update(update.itemId, update.shared, update.arm, update.reward);
        }
      }
      const mean = (itemId: string) => bandit.score(itemId, Float64Array.of(1), Float64Array.of(1)).mean;
      return { top: mean("top"), low: mean("low") };
    };
    const raw = meanOf(0);
    expect(raw.low / raw.top).toBeLessThan(0.4);
    const examined = meanOf(1);
    expect(examined.top).toBeCloseTo(0.3, 1);
    expect(examined.low).toBeCloseTo(0.3, 1);
  });
});
