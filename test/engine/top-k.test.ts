import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/bandit/rng";
import { TopK } from "../../src/engine/top-k";

/** The k best (score descending, index ascending on ties) by sorting everything. */
function bySort(scores: number[], k: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k)
    .map((x) => x.index);
}

describe("TopK", () => {
  it("keeps the k best in order, the lower index winning ties, whatever the push order", () => {
    const rng = seededRandom(11);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rng() * 300);
      const k = 1 + Math.floor(rng() * 40);
      // Few distinct values, so ties are everywhere, including across the k-th place.
      const scores = Array.from({ length: n }, () => Math.floor(rng() * 8) / 4);
      const order = Array.from({ length: n }, (_, i) => i);
      if (trial % 2 === 1) order.sort(() => rng() - 0.5);
      const heap = new TopK(k);
      for (const i of order) heap.push(i, scores[i]!);
      expect(heap.full).toBe(n >= k);
      expect(heap.sortedIndices()).toEqual(bySort(scores, k));
    }
  });

  it("reports the worst kept score as the bar to beat", () => {
    const heap = new TopK(3);
    for (const [i, s] of [
      [0, 5],
      [1, 1],
      [2, 9],
      [3, 7],
      [4, 3],
    ] as const)
      heap.push(i, s);
    expect(heap.min).toBe(5);
    expect(heap.sortedIndices()).toEqual([2, 3, 0]);
  });
});
