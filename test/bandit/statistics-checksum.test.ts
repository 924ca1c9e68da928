import { describe, expect, it } from "vitest";
import { HybridLinUCB } from "../../src/bandit/hybrid";
import { seededRandom } from "../../src/bandit/rng";
import { statisticsChecksum } from "../../src/bandit/statistics-checksum";

function updates(count: number) {
  const rng = seededRandom(3);
  return Array.from({ length: count }, (_, i) => ({
    itemId: `item-${i % 7}`,
    z: Float64Array.from({ length: 6 }, () => rng() - 0.5),
    x: Float64Array.from({ length: 3 }, () => rng()),
    reward: rng() < 0.3 ? 1 : 0,
  }));
}

function trained(order: ReturnType<typeof updates>): HybridLinUCB {
  const model = new HybridLinUCB({ sharedDim: 6, armDim: 3, alpha: 0.25 });
  for (const u of order) model.update(u.itemId, u.z, u.x, u.reward);
  return model;
}

describe("statisticsChecksum", () => {
  it("is the same for the same updates summed in another order, and differs with one update more", () => {
    const all = updates(300);
    const forward = trained(all);
    const backward = trained([...all].reverse());
    // Summed in another order the bytes differ, the statistics do not.
    expect(Buffer.from(forward.exportState()).equals(Buffer.from(backward.exportState()))).toBe(false);
    expect(statisticsChecksum(backward.exportState())).toBe(statisticsChecksum(forward.exportState()));
    expect(statisticsChecksum(trained(all.slice(1)).exportState())).not.toBe(statisticsChecksum(forward.exportState()));
    expect(statisticsChecksum(forward.exportState())).toMatch(/^[0-9a-f]{16}$/);
  });
});
