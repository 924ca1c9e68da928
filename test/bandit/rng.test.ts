import { describe, expect, it } from "vitest";
import { gaussian, randomIndex, seededRandom } from "../../src/bandit/rng";

describe("seededRandom", () => {
  it("repeats for a seed, differs across nearby seeds, and stays in [0, 1)", () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const c = seededRandom(2);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(draws);
    expect(draws.every((u) => u >= 0 && u < 1)).toBe(true);
  });

  it("is uniform enough: decile counts pass a chi-square test, and gaussian has mean 0 and variance 1", () => {
    const rng = seededRandom(42);
    const n = 100_000;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) counts[randomIndex(rng, 10)]!++;
    const chiSquare = counts.reduce((sum, count) => sum + (count - n / 10) ** 2 / (n / 10), 0);
    // 9 degrees of freedom: P(χ² > 27.9) = 0.001.
    expect(chiSquare).toBeLessThan(27.9);
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const g = gaussian(rng);
      sum += g;
      sumSquares += g * g;
    }
    expect(Math.abs(sum / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sumSquares / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
});
