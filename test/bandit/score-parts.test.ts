import { describe, expect, it } from "vitest";
import { hashContext } from "../../src/bandit/features";
import { seededRandom } from "../../src/bandit/rng";
import { OnlineModel } from "../../src/engine/model";
import { rankSlate } from "../../src/engine/ranker";
import { catalogItems } from "../../src/world/log-generator";
import { createWorld } from "../../src/world/world";
import { SMALL_WORLD } from "../world/small-world";

const world = createWorld(SMALL_WORLD, 3);
const items = catalogItems(world);

describe("score parts", () => {
  it("sum to the expected reward (1e-9), with and without per-item statistics, and only when asked", () => {
    const model = OnlineModel.create({ dim: world.params.dim, alpha: 0.3 });
    const rng = seededRandom(21);
    const context = hashContext({ device: "mobile", page: "product" });
    let checked = 0;
    let withItemPart = 0;
    for (let round = 0; round < 120; round++) {
      const candidates = Array.from({ length: 20 }, () => items[Math.floor(rng() * items.length)]!);
      const request = {
        candidates,
        session: round % 4 === 0 ? null : items[round % items.length]!.embedding,
        longTerm: round % 5 === 0 ? null : items[(round * 3) % items.length]!.embedding,
        context,
        signals: Float64Array.from({ length: candidates.length * 4 }, () => rng()),
        k: 5,
        epsilon: 0.2,
        rng,
      };
      expect(rankSlate(model.bandit, model.spec, request).every((s) => s.parts === undefined)).toBe(true);
      const slate = rankSlate(model.bandit, model.spec, { ...request, explain: true });
      for (const slot of slate) {
        const p = slot.parts!;
        const sum = p.session + p.longTerm + p.context + p.item + p.popularity + p.bias;
        expect(Math.abs(sum - slot.expectedReward)).toBeLessThan(1e-9);
        if (model.bandit.hasArm(slot.item.itemId)) {
          expect(p.item).not.toBe(0);
          withItemPart++;
        } else expect(p.item).toBe(0);
        checked++;
      }
      for (const slot of slate)
        model.apply({ itemId: slot.item.itemId, shared: slot.shared, arm: slot.arm, reward: rng() < 0.4 ? 1 : 0 });
    }
    expect(checked).toBe(600);
    expect(withItemPart).toBeGreaterThan(100);
  });
});
