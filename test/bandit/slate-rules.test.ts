import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/bandit/rng";
import {
  firstPinned,
  firstSlotDistribution,
  ranksAbove,
  selectSlate,
  slateProbability,
  slotDistribution,
  type SlotRules,
} from "../../src/bandit/slate";

// Eight candidates over three categories (7 has none). Boosts lift 6 above 0; the cap is 2 per category.
const scores = Float64Array.of(0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2);
const rules: SlotRules = {
  pinned: [4, 1, 4],
  maxPerCategory: 2,
  categories: Int32Array.of(0, 0, 0, 1, 1, 2, 2, -1),
  boosts: Float64Array.of(0, 0, 0, 0, 0, 0, 0.65, 0),
};

describe("selectSlate under rules", () => {
  it("places pins first with propensity 1, then never exceeds the cap, boosts in the greedy order", () => {
    const slate = selectSlate(scores, 8, 0, seededRandom(1), rules);
    // Pins 4 (cat 1) and 1 (cat 0); the repeated 4 is skipped. Greedy by boosted score: 6 (0.95), 0,
    // then 2 is capped (cat 0 holds 1 and 0), so 3, 5 (cat 2 now full with 6 and 5), 7; 2 never fits.
    expect(slate.map((c) => c.index)).toEqual([4, 1, 6, 0, 3, 5, 7]);
    expect(slate.slice(0, 2).every((c) => c.pinned && c.propensity === 1 && !c.explored)).toBe(true);
    expect(slate.slice(2).every((c) => !c.pinned)).toBe(true);
  });

  it("skips a pin whose category is full and stops at k", () => {
    const capped: SlotRules = { ...rules, pinned: [0, 1, 2], boosts: null };
    const slate = selectSlate(scores, 3, 0, seededRandom(1), capped);
    expect(slate.map((c) => c.index)).toEqual([0, 1, 3]);
    expect(slate.map((c) => c.pinned)).toEqual([true, true, false]);
    expect(firstPinned(scores.length, capped)).toBe(0);
    expect(firstPinned(scores.length)).toBe(-1);
  });

  it("reports propensities equal to the empirical slot frequencies given the earlier slots", () => {
    const epsilon = 0.4;
    const draws = 30_000;
    const k = 6;
    const rng = seededRandom(2026);
    const groups = new Map<string, { total: number; counts: Map<number, number>; propensity: Map<number, number> }>();
    for (let d = 0; d < draws; d++) {
      const slate = selectSlate(scores, k, epsilon, rng, rules);
      const perCategory = new Map<number, number>();
      slate.forEach((choice, slot) => {
        const category = rules.categories![choice.index]!;
        if (category >= 0) perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
        const prefix = slate
          .slice(0, slot)
          .map((c) => c.index)
          .join(",");
        const group = groups.get(prefix) ?? { total: 0, counts: new Map(), propensity: new Map() };
        group.total++;
        group.counts.set(choice.index, (group.counts.get(choice.index) ?? 0) + 1);
        const seen = group.propensity.get(choice.index);
        if (seen !== undefined) expect(choice.propensity).toBe(seen);
        group.propensity.set(choice.index, choice.propensity);
        groups.set(prefix, group);
      });
      for (const count of perCategory.values()) expect(count).toBeLessThanOrEqual(2);
      expect(slate[0]!.index).toBe(4);
      expect(slate[1]!.index).toBe(1);
    }
    let checked = 0;
    for (const [prefix, group] of groups) {
      if (group.total < 500) continue;
      const earlier = prefix === "" ? [] : prefix.split(",").map(Number);
      const distribution = slotDistribution(scores, epsilon, earlier, rules);
      // Chi-square over the slot's support: every candidate the distribution gives mass to.
      let chiSquare = 0;
      let cells = 0;
      distribution.forEach((p, index) => {
        if (p === 0) {
          expect(group.counts.get(index) ?? 0).toBe(0);
          return;
        }
        const expected = p * group.total;
        chiSquare += ((group.counts.get(index) ?? 0) - expected) ** 2 / expected;
        cells++;
        if (group.propensity.has(index)) expect(group.propensity.get(index)).toBeCloseTo(p, 14);
        const prior = earlier.length === 0 ? 1 : slateProbability(scores, epsilon, earlier, rules);
        expect(slateProbability(scores, epsilon, [...earlier, index], rules)).toBeCloseTo(prior * p, 14);
      });
      expect(distribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      // df = cells − 1; the 99.9th percentile of χ² with df ≤ 7 is below 24.4.
      if (cells > 1) expect(chiSquare).toBeLessThan(24.4);
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("gives 0 to a slate that skips a pin or breaks the cap", () => {
    expect(slateProbability(scores, 0.2, [1, 4], rules)).toBe(0);
    expect(slateProbability(scores, 0.2, [4, 1, 0, 2], rules)).toBe(0);
    expect(slateProbability(scores, 0, [4, 1, 6, 0, 3], rules)).toBe(1);
    expect(firstSlotDistribution(scores, 0.3, rules)[4]).toBe(1);
    expect(() => slotDistribution(scores, 0.3, [1], rules)).toThrow(/pinned/);
  });
});

describe("ranksAbove", () => {
  it("is the one greedy order: higher first, NaN lowest, ties to the lower index", () => {
    expect(ranksAbove(1, 5, 0.5, 0)).toBe(true);
    expect(ranksAbove(0.5, 0, 0.5, 1)).toBe(true);
    expect(ranksAbove(0.5, 1, 0.5, 0)).toBe(false);
    expect(ranksAbove(-1, 3, Number.NaN, 0)).toBe(true);
    expect(ranksAbove(Number.NaN, 0, Number.NaN, 1)).toBe(true);
    expect(ranksAbove(Number.NaN, 0, -1, 1)).toBe(false);
  });
});
