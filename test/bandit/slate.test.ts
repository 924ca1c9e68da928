import { describe, expect, it } from "vitest";
import { firstSlotDistribution, selectSlate, slateProbability } from "../../src/bandit/slate";
import { seededRandom } from "../../src/bandit/rng";

// A tie (1 and 2) and a NaN (4): the greedy order is 1, 2, 0, 5, 3, 4.
const scores = Float64Array.of(0.5, 0.9, 0.9, 0.1, Number.NaN, 0.3);

describe("selectSlate", () => {
  it("with ε = 0 is the greedy order, ties to the lowest index, NaN last, each with propensity 1", () => {
    const slate = selectSlate(scores, 6, 0, seededRandom(1));
    expect(slate.map((c) => c.index)).toEqual([1, 2, 0, 5, 3, 4]);
    expect(slate.every((c) => c.propensity === 1 && !c.explored)).toBe(true);
  });

  it("fills fewer slots than k when candidates run out, and none for no candidates", () => {
    expect(selectSlate([0.2, 0.1], 10, 0.5, seededRandom(2))).toHaveLength(2);
    expect(selectSlate([], 10, 0.5, seededRandom(2))).toEqual([]);
    expect(() => selectSlate(scores, 2, 1.5, seededRandom(2))).toThrow(/epsilon/);
  });

  it("reports propensities equal to the empirical frequency of each choice given the earlier slots", () => {
    const epsilon = 0.3;
    const draws = 20_000;
    const rng = seededRandom(12345);
    // prefix "a,b" -> chosen item -> { count, reported propensity }
    const groups = new Map<string, { total: number; choices: Map<number, { count: number; propensity: number }> }>();
    for (let d = 0; d < draws; d++) {
      const slate = selectSlate(scores, 3, epsilon, rng);
      expect(slate).toHaveLength(3);
      slate.forEach((choice, slot) => {
        const prefix = slate
          .slice(0, slot)
          .map((c) => c.index)
          .join(",");
        const group = groups.get(prefix) ?? { total: 0, choices: new Map() };
        group.total++;
        const seen = group.choices.get(choice.index);
        if (seen === undefined) group.choices.set(choice.index, { count: 1, propensity: choice.propensity });
        else {
          // The propensity is a function of (scores, earlier slots, choice), never of the draw.
          expect(choice.propensity).toBe(seen.propensity);
          seen.count++;
        }
        groups.set(prefix, group);
      });
    }
    let checked = 0;
    for (const [prefix, group] of groups) {
      if (group.total < 400) continue;
      const taken = prefix === "" ? [] : prefix.split(",").map(Number);
      let reportedMass = 0;
      for (const [index, { count, propensity }] of group.choices) {
        const standardError = Math.sqrt((propensity * (1 - propensity)) / group.total);
        expect(Math.abs(count / group.total - propensity)).toBeLessThanOrEqual(4 * standardError + 1e-12);
        reportedMass += propensity;
        checked++;
        expect(slateProbability(scores, epsilon, [...taken, index])).toBeCloseTo(
          (taken.length === 0 ? 1 : slateProbability(scores, epsilon, taken)) * propensity,
          14,
        );
      }
      // Every remaining candidate was drawn at least once in a large group, so the mass is all there.
      expect(group.choices.size).toBe(scores.length - taken.length);
      expect(reportedMass).toBeCloseTo(1, 12);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("marks ε-branch choices as explored, at about rate ε", () => {
    const rng = seededRandom(8);
    let explored = 0;
    let slots = 0;
    for (let d = 0; d < 5000; d++) {
      for (const choice of selectSlate(scores, 2, 0.2, rng)) {
        slots++;
        if (choice.explored) explored++;
      }
    }
    const rate = explored / slots;
    expect(Math.abs(rate - 0.2)).toBeLessThan(4 * Math.sqrt((0.2 * 0.8) / slots));
  });
});

describe("firstSlotDistribution", () => {
  it("sums to 1, puts 1−ε+ε/n on the greedy best, and matches slot-0 frequencies", () => {
    const epsilon = 0.25;
    const distribution = firstSlotDistribution(scores, epsilon);
    expect(distribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(distribution[1]).toBeCloseTo(1 - epsilon + epsilon / 6, 14);
    expect(distribution[4]).toBeCloseTo(epsilon / 6, 14);
    const rng = seededRandom(77);
    const counts = new Float64Array(scores.length);
    const draws = 20_000;
    for (let d = 0; d < draws; d++) counts[selectSlate(scores, 1, epsilon, rng)[0]!.index]!++;
    distribution.forEach((p, i) => {
      expect(Math.abs(counts[i]! / draws - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / draws));
    });
    expect(firstSlotDistribution([], 0.1)).toHaveLength(0);
  });

  it("gives 0 to a slate the policy cannot produce", () => {
    expect(slateProbability(scores, 0.1, [1, 1])).toBe(0);
    expect(slateProbability(scores, 0.1, [9])).toBe(0);
    expect(slateProbability(scores, 0, [2])).toBe(0);
    expect(slateProbability(scores, 0, [1, 2, 0])).toBe(1);
  });
});
