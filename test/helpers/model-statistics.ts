import { expect } from "vitest";
import type { HybridSnapshot } from "../../src/bandit/hybrid-snapshot";

/** Two models' statistics agree to 1e-9 (relative beyond 1): update counts, A0, b0 and every item's A, B, b. */
export function expectSameStatistics(actual: HybridSnapshot, expected: HybridSnapshot): void {
  expect(actual.updateCount).toBe(expected.updateCount);
  expectClose(actual.a0, expected.a0, "A0");
  expectClose(actual.b0, expected.b0, "b0");
  expect([...actual.arms.keys()].sort()).toEqual([...expected.arms.keys()].sort());
  for (const [itemId, arm] of expected.arms) {
    const other = actual.arms.get(itemId)!;
    expect(other.updates, itemId).toBe(arm.updates);
    expectClose(other.a, arm.a, `A of ${itemId}`);
    expectClose(other.bMatrix, arm.bMatrix, `B of ${itemId}`);
    expectClose(other.b, arm.b, `b of ${itemId}`);
  }
}

/** Element by element to 1e-9 (relative beyond 1), naming the first entry that differs. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i]!;
    const y = expected[i]!;
    if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)))
      throw new Error(`${what}[${i}]: ${x} ≠ ${y} (beyond 1e-9)`);
  }
}
