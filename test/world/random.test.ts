import { describe, expect, it } from "vitest";
import { createRandom } from "../../src/world/random";

const draw = (seed: number | string, n = 5) => {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe("createRandom", () => {
  it("repeats its stream for the same seed and differs for another", () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw("42")).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
  });

  it("forks streams that do not depend on how much the parent drew", () => {
    const a = createRandom(7);
    const b = createRandom(7);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.fork("items").next()).toBe(b.fork("items").next());
    expect(a.fork("items").next()).not.toBe(a.fork("users").next());
  });

  it("draws uniform, normal, gamma and weighted values with the right moments", () => {
    const rng = createRandom(1);
    const n = 20_000;
    let uniformSum = 0;
    let normalSum = 0;
    let normalSquares = 0;
    let gammaSum = 0;
    let uniformMin = 1;
    let uniformMax = 0;
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      uniformMin = Math.min(uniformMin, u);
      uniformMax = Math.max(uniformMax, u);
      uniformSum += u;
      const z = rng.normal();
      normalSum += z;
      normalSquares += z * z;
      gammaSum += rng.gamma(0.5);
      counts[rng.weightedIndex([1, 0, 3])]!++;
    }
    expect(uniformMin).toBeGreaterThanOrEqual(0);
    expect(uniformMax).toBeLessThan(1);
    expect(uniformSum / n).toBeCloseTo(0.5, 1);
    expect(normalSum / n).toBeCloseTo(0, 1);
    expect(normalSquares / n).toBeCloseTo(1, 1);
    expect(gammaSum / n).toBeCloseTo(0.5, 1);
    expect(counts[1]).toBe(0);
    expect(counts[2]! / n).toBeCloseTo(0.75, 1);
  });

  it("shuffles into a permutation and rejects all-zero weights", () => {
    const rng = createRandom(3);
    const values = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle([...values]);
    expect(shuffled).not.toEqual(values);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(values);
    expect(() => rng.weightedIndex([0, 0])).toThrow(/positive weight/);
  });
});
