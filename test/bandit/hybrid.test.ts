import { describe, expect, it } from "vitest";
import { HybridLinUCB } from "../../src/bandit/hybrid";
import { gaussian, seededRandom, type Random } from "../../src/bandit/rng";
import { Algorithm2, closedFormAlgorithm2, relativeError } from "./reference";

interface Observation {
  itemId: string;
  z: Float64Array;
  x: Float64Array;
  reward: number;
}

function vector(rng: Random, dim: number, bias: boolean): Float64Array {
  const v = Float64Array.from({ length: dim }, () => gaussian(rng) * 0.5);
  if (bias) v[dim - 1] = 1;
  return v;
}

function observations(rng: Random, count: number, items: string[], sharedDim: number, armDim: number): Observation[] {
  return Array.from({ length: count }, () => {
    const itemId = items[Math.floor(rng() * items.length)]!;
    const z = vector(rng, sharedDim, true);
    const x = vector(rng, armDim, false);
    x[0] = 1;
    // Each item has its own base rate, so the per-item part has something to learn.
    const base = (itemId.charCodeAt(itemId.length - 1) % 5) / 5;
    return { itemId, z, x, reward: rng() < base + 0.1 * z[0]! ? 1 : 0 };
  });
}

function worstError(model: HybridLinUCB, reference: Algorithm2, probes: Observation[]): number {
  let worst = 0;
  for (const p of probes) {
    const got = model.score(p.itemId, p.z, p.x);
    const want = reference.score(p.itemId, p.z, p.x);
    worst = Math.max(
      worst,
      relativeError(got.mean, want.mean),
      relativeError(got.bonus, want.bonus),
      relativeError(got.ucb, want.ucb),
    );
  }
  return worst;
}

const items = ["item-a", "item-b", "item-c", "item-d", "item-e"];

describe("HybridLinUCB", () => {
  it.each([
    { sharedDim: 6, armDim: 3 },
    { sharedDim: 13, armDim: 4 },
  ])("matches Algorithm 2 computed directly ($sharedDim shared, $armDim per item)", ({ sharedDim, armDim }) => {
    const rng = seededRandom(sharedDim * 31 + armDim);
    const model = new HybridLinUCB({ sharedDim, armDim, alpha: 0.8, lambda: 0.7, refreshEvery: 53 });
    const reference = new Algorithm2(sharedDim, armDim, 0.8, 0.7);
    // Probes include an item that is never updated: it must score with the prior plus the shared part.
    const probes = observations(rng, 12, [...items, "never-updated"], sharedDim, armDim);
    expect(worstError(model, reference, probes)).toBeLessThan(1e-12);
    const stream = observations(rng, 400, items, sharedDim, armDim);
    stream.forEach((o, step) => {
      model.update(o.itemId, o.z, o.x, o.reward);
      reference.update(o.itemId, o.z, o.x, o.reward);
      if (step % 100 === 99) expect(worstError(model, reference, probes)).toBeLessThan(1e-9);
    });
    expect(model.updateCount).toBe(400);
    expect(model.armCount).toBe(items.length);
    expect(model.hasArm("never-updated")).toBe(false);
    const unknown = probes.find((p) => p.itemId === "never-updated");
    if (unknown !== undefined) expect(model.score(unknown.itemId, unknown.z, unknown.x).mean).not.toBe(0);
  });

  it("after 20,000 updates over 50 items still matches Algorithm 2's closed form from raw sums", () => {
    const rng = seededRandom(41);
    const many = Array.from({ length: 50 }, (_, i) => `item-${i}`);
    const model = new HybridLinUCB({ sharedDim: 21, armDim: 3, alpha: 0.5 });
    const stream = observations(rng, 20_000, many, 21, 3);
    for (const o of stream) model.update(o.itemId, o.z, o.x, o.reward);
    const reference = closedFormAlgorithm2(stream, 21, 3, 0.5, 1);
    expect(worstError(model, reference, observations(rng, 40, [...many, "new"], 21, 3))).toBeLessThan(1e-6);
  });

  it("scores a batch exactly as one at a time", () => {
    const rng = seededRandom(5);
    const model = new HybridLinUCB({ sharedDim: 9, armDim: 3, alpha: 0.5 });
    for (const o of observations(rng, 200, items, 9, 3)) model.update(o.itemId, o.z, o.x, o.reward);
    const batch = observations(rng, 8, [...items, "new-1"], 9, 3);
    const zFlat = new Float64Array(batch.length * 9);
    const xFlat = new Float64Array(batch.length * 3);
    batch.forEach((o, i) => {
      zFlat.set(o.z, i * 9);
      xFlat.set(o.x, i * 3);
    });
    const out = { mean: new Float64Array(8), bonus: new Float64Array(8), ucb: new Float64Array(8) };
    model.scoreMany(
      batch.map((o) => o.itemId),
      zFlat,
      xFlat,
      out,
    );
    batch.forEach((o, i) => {
      const one = model.score(o.itemId, o.z, o.x);
      expect([out.mean[i], out.bonus[i], out.ucb[i]]).toEqual([one.mean, one.bonus, one.ucb]);
    });
  });

  it("gives the same scores whatever order the same updates arrive in", () => {
    const rng = seededRandom(11);
    const stream = observations(rng, 2000, items, 10, 3);
    const shuffled = [...stream];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const first = new HybridLinUCB({ sharedDim: 10, armDim: 3, alpha: 1, refreshEvery: 300 });
    const second = new HybridLinUCB({ sharedDim: 10, armDim: 3, alpha: 1, refreshEvery: 300 });
    for (const o of stream) first.update(o.itemId, o.z, o.x, o.reward);
    for (const o of shuffled) second.update(o.itemId, o.z, o.x, o.reward);
    for (const p of observations(rng, 20, [...items, "new"], 10, 3)) {
      const a = first.score(p.itemId, p.z, p.x);
      const b = second.score(p.itemId, p.z, p.x);
      expect(relativeError(a.mean, b.mean, 1e-6)).toBeLessThan(1e-9);
      expect(relativeError(a.bonus, b.bonus, 1e-6)).toBeLessThan(1e-9);
    }
  });

  it("restores from its snapshot bytes to identical scores, arms and recency included", () => {
    const rng = seededRandom(17);
    const model = new HybridLinUCB({ sharedDim: 8, armDim: 3, alpha: 0.6, lambda: 1.5, refreshEvery: 40, maxArms: 4 });
    for (const o of observations(rng, 500, items, 8, 3)) model.update(o.itemId, o.z, o.x, o.reward);
    const restored = HybridLinUCB.fromState(model.exportState());
    expect([restored.updateCount, restored.armCount, restored.maxArms, restored.alpha]).toEqual([500, 4, 4, 0.6]);
    // Loading recomputes every inverse exactly; after the same refresh the original agrees to the bit.
    model.refresh();
    const probes = observations(rng, 15, [...items, "new"], 8, 3);
    for (const p of probes) expect(restored.score(p.itemId, p.z, p.x)).toEqual(model.score(p.itemId, p.z, p.x));
    // The eviction order survives too: the same next update evicts the same item in both.
    const next = observations(rng, 1, ["item-z"], 8, 3)[0]!;
    model.update(next.itemId, next.z, next.x, next.reward);
    restored.update(next.itemId, next.z, next.x, next.reward);
    for (const id of items) expect(restored.hasArm(id)).toBe(model.hasArm(id));
    for (const p of probes)
      expect(relativeError(restored.score(p.itemId, p.z, p.x).ucb, model.score(p.itemId, p.z, p.x).ucb)).toBeLessThan(
        1e-12,
      );
    expect(() => HybridLinUCB.fromState(model.exportState().subarray(0, 200))).toThrow(/truncated/);
  });

  it("bounds per-item state: the least recently updated item is evicted and its evidence stays shared", () => {
    const rng = seededRandom(23);
    const model = new HybridLinUCB({ sharedDim: 7, armDim: 3, alpha: 0.5, maxArms: 3, refreshEvery: 1_000_000 });
    const reference = new Algorithm2(7, 3, 0.5, 1);
    const order = ["item-a", "item-b", "item-c", "item-a", "item-d", "item-b", "item-e", "item-a"];
    const held: string[] = [];
    for (const itemId of order) {
      for (const o of observations(rng, 20, [itemId], 7, 3)) {
        const at = held.indexOf(itemId);
        if (at >= 0) held.splice(at, 1);
        else if (held.length === 3) reference.forget(held.shift()!);
        held.push(itemId);
        model.update(o.itemId, o.z, o.x, o.reward);
        reference.update(o.itemId, o.z, o.x, o.reward);
      }
    }
    expect(model.armCount).toBe(3);
    expect(items.filter((id) => model.hasArm(id))).toEqual(["item-a", "item-b", "item-e"]);
    expect(worstError(model, reference, observations(rng, 15, items, 7, 3))).toBeLessThan(1e-9);
  });

  it("rejects non-finite input without changing the model", () => {
    const model = new HybridLinUCB({ sharedDim: 3, armDim: 2, alpha: 1 });
    const z = Float64Array.of(0.1, 0.2, 1);
    const x = Float64Array.of(1, 0.3);
    model.update("a", z, x, 1);
    const before = model.score("a", z, x);
    expect(() => model.update("b", Float64Array.of(0, Number.NaN, 1), x, 1)).toThrow(/z must be finite/);
    expect(() => model.update("b", z, x, Number.NaN)).toThrow(/reward/);
    expect(model.score("a", z, x)).toEqual(before);
    expect([model.updateCount, model.armCount]).toEqual([1, 1]);
  });
});

describe("HybridLinUCB.scoreFactored", () => {
  it(
    "scores features given as P·w + sparse terms as scoreMany scores them written out, " + "before and after updates",
    async () => {
      const { featureLayout, hashContext } = await import("../../src/bandit/features");
      const { FactoredFeatures } = await import("../../src/bandit/factored-features");
      const { materializeShared } = await import("../../src/bandit/factored");
      const rng = seededRandom(11);
      const spec = featureLayout({ dim: 6, hashBuckets: 16, armScale: 0.3 });
      const model = new HybridLinUCB({ sharedDim: spec.sharedDim, armDim: spec.armDim, alpha: 0.7, maxArms: 3 });
      const items = Array.from({ length: 9 }, (_, i) => ({
        itemId: `item-${i}`,
        embedding: Float32Array.from({ length: 6 }, () => gaussian(rng) * 0.4),
        category: `c${i % 3}`,
        attributes: { brand: `b${i % 4}` },
      }));
      const ids = items.map((item) => item.itemId);
      const factored = new FactoredFeatures(spec);
      // Four item signals per item, some zero (left out of the sparse terms).
      const lift = Float64Array.from({ length: 9 * 4 }, (_, i) => (i % 3 === 0 ? 0 : 0.1 * i - 1));
      const out = { mean: new Float64Array(9), bonus: new Float64Array(9), ucb: new Float64Array(9) };
      const want = { mean: new Float64Array(9), bonus: new Float64Array(9), ucb: new Float64Array(9) };
      const z = new Float64Array(9 * spec.sharedDim);
      const session = Float32Array.from({ length: 6 }, () => gaussian(rng) * 0.3);
      for (let round = 0; round < 6; round++) {
        // Round 2 keeps the previous P, so the per-request products are reused until the model changes.
        if (round !== 2)
          factored.setRequest(
            round % 3 === 0 ? null : session,
            Float32Array.from({ length: 6 }, () => gaussian(rng) * 0.3),
          );
        factored.setCandidates(hashContext({ page: `p${round % 2}`, device: "mobile" }), items, lift);
        for (let c = 0; c < 9; c++) materializeShared(factored, c, spec.sharedDim, z, c * spec.sharedDim);
        model.scoreFactored(ids, factored, factored.x, out);
        model.scoreMany(ids, z, factored.x, want);
        for (let c = 0; c < 9; c++) {
          expect(relativeError(out.mean[c]!, want.mean[c]!)).toBeLessThan(1e-9);
          expect(relativeError(out.bonus[c]!, want.bonus[c]!)).toBeLessThan(1e-9);
        }
        // Train on a few of them (three hold per-item statistics at most, so some are evicted).
        for (let u = 0; u < 7; u++) {
          const c = Math.floor(rng() * 9);
          model.update(ids[c]!, z, factored.x, rng() < 0.4 ? 1 : 0, c * spec.sharedDim, c * spec.armDim);
        }
      }
      expect(model.armCount).toBe(3);
    },
  );
});
