import { describe, expect, it } from "vitest";
import { HybridLinUCB } from "../../src/bandit/hybrid";
import { decodeHybridState } from "../../src/bandit/hybrid-snapshot";
import { gaussian, seededRandom, type Random } from "../../src/bandit/rng";
import { expectSameStatistics } from "../helpers/model-statistics";

interface Observation {
  itemId: string;
  z: Float64Array;
  x: Float64Array;
  reward: number;
  forget: boolean;
}

function observations(rng: Random, count: number, items: number, n: number, k: number): Observation[] {
  return Array.from({ length: count }, () => {
    const z = Float64Array.from({ length: n }, () => gaussian(rng) * 0.5);
    const x = Float64Array.from({ length: k }, () => gaussian(rng) * 0.3);
    return {
      itemId: `item-${Math.floor(rng() * items)}`,
      z,
      x,
      reward: rng() < 0.3 ? 1 : rng() < 0.5 ? -1 : 0,
      forget: rng() < 0.3,
    };
  });
}

const options = {
  sharedDim: 12,
  armDim: 3,
  alpha: 0.25,
  lambda: 20,
  refreshEvery: 50,
  priorMean: new Array(12).fill(0.1),
};

function train(observed: readonly Observation[], maxArms = 10_000): HybridLinUCB {
  const model = new HybridLinUCB({ ...options, maxArms });
  for (const o of observed) model.update(o.itemId, o.z, o.x, o.reward);
  return model;
}

describe("HybridLinUCB.remove", () => {
  it("leaves the statistics of a model that never had the removed observations (1e-9)", () => {
    const all = observations(seededRandom(7), 3_000, 40, options.sharedDim, options.armDim);
    const model = train(all);
    // Taken back in another order than they came: the statistics are functions of sums.
    const removed = all.filter((o) => o.forget).reverse();
    expect(model.remove(removed.map((o) => ({ itemId: o.itemId, z: o.z, x: o.x, reward: o.reward })))).toBe(
      removed.length,
    );
    const kept = train(all.filter((o) => !o.forget));
    expectSameStatistics(decodeHybridState(model.exportState()), decodeHybridState(kept.exportState()));
    const probe = all[0]!;
    const got = model.score(probe.itemId, probe.z, probe.x);
    const want = kept.score(probe.itemId, probe.z, probe.x);
    expect(got.ucb).toBeCloseTo(want.ucb, 9);
  });

  it("drops an item's statistics with its last observation, and changes nothing on bad input", () => {
    const rng = seededRandom(3);
    const [only, ...rest] = observations(rng, 50, 5, options.sharedDim, options.armDim);
    const lone = { ...only!, itemId: "lone" };
    const model = train([...rest, lone]);
    expect(model.hasArm("lone")).toBe(true);
    const before = model.exportState();
    const bad = { itemId: "lone", z: lone.z.map(() => Number.NaN), x: lone.x, reward: 1 };
    expect(() => model.remove([bad])).toThrow();
    expect(model.exportState()).toEqual(before);
    model.remove([lone]);
    expect(model.hasArm("lone")).toBe(false);
    expectSameStatistics(decodeHybridState(model.exportState()), decodeHybridState(train(rest).exportState()));
  });

  it("takes an evicted item's observations back from the shared model", () => {
    const all = observations(seededRandom(11), 400, 30, options.sharedDim, options.armDim);
    // Evicted items' observations are removed only while their items stay evicted (no later arm).
    const evicted = new Set(["item-0", "item-1"]);
    const ordered = [...all.filter((o) => evicted.has(o.itemId)), ...all.filter((o) => !evicted.has(o.itemId))];
    const model = train(ordered, 28);
    expect(model.hasArm("item-0") || model.hasArm("item-1")).toBe(false);
    const removed = ordered.filter((o) => evicted.has(o.itemId) && o.forget);
    model.remove(removed);
    const kept = train(
      ordered.filter((o) => !(evicted.has(o.itemId) && o.forget)),
      28,
    );
    expectSameStatistics(decodeHybridState(model.exportState()), decodeHybridState(kept.exportState()));
  });
});
