import { describe, expect, it } from "vitest";
import { LinUCB } from "../../src/bandit/linucb";
import { gaussian, seededRandom, type Random } from "../../src/bandit/rng";
import { DirectLinUCB, relativeError } from "./reference";

/** Features shaped like the real ones: a constant bias plus correlated, unevenly scaled parts. */
function feature(rng: Random, dim: number): Float64Array {
  const x = new Float64Array(dim);
  x[0] = 1;
  const common = gaussian(rng);
  for (let i = 1; i < dim; i++) x[i] = (0.3 * common + gaussian(rng)) / (1 + i * 0.5);
  return x;
}

function rewardFor(rng: Random, x: Float64Array): number {
  let signal = 0;
  for (let i = 0; i < x.length; i++) signal += x[i]! * Math.sin(i + 1) * 0.3;
  return rng() < 1 / (1 + Math.exp(-signal)) ? 1 : 0;
}

function maxScoreError(model: LinUCB, direct: DirectLinUCB, probes: Float64Array[]): number {
  const want = direct.scores(probes);
  let worst = 0;
  probes.forEach((x, i) => {
    const got = model.score(x);
    worst = Math.max(
      worst,
      relativeError(got.mean, want[i]!.mean),
      relativeError(got.bonus, want[i]!.bonus),
      relativeError(got.ucb, want[i]!.ucb),
    );
  });
  return worst;
}

describe("LinUCB", () => {
  it.each([2, 5, 16, 33])("matches a direct solve along a random sequence at d=%i", (dim) => {
    const rng = seededRandom(dim);
    const model = new LinUCB({ dim, alpha: 0.7, lambda: 0.5, refreshEvery: 97 });
    const direct = new DirectLinUCB(dim, 0.7, 0.5);
    const probes = Array.from({ length: 20 }, () => feature(rng, dim));
    expect(maxScoreError(model, direct, probes)).toBeLessThan(1e-12);
    for (let step = 1; step <= 600; step++) {
      const x = feature(rng, dim);
      const r = rewardFor(rng, x);
      model.update(x, r);
      direct.update(x, r);
      if (step % 150 === 0) expect(maxScoreError(model, direct, probes)).toBeLessThan(1e-9);
    }
    const theta = model.theta();
    const want = direct.scores([Float64Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : 0))])[0]!;
    expect(relativeError(theta[0]!, want.mean)).toBeLessThan(1e-9);
  });

  it("still matches a direct solve to 1e-6 after 100,000 updates (d=8), and refresh bounds the drift", () => {
    const dim = 8;
    const rng = seededRandom(2024);
    // 100,000 = 66·1,500 + 1,000: the last 1,000 updates ride on Sherman–Morrison alone.
    const model = new LinUCB({ dim, alpha: 1, lambda: 1, refreshEvery: 1_500 });
    const neverRefreshed = new LinUCB({ dim, alpha: 1, lambda: 1, refreshEvery: 1_000_000 });
    const direct = new DirectLinUCB(dim, 1, 1);
    const probes = Array.from({ length: 30 }, () => feature(rng, dim));
    for (let step = 0; step < 100_000; step++) {
      const x = feature(rng, dim);
      const r = rewardFor(rng, x);
      model.update(x, r);
      neverRefreshed.update(x, r);
      direct.update(x, r);
    }
    expect(model.updateCount).toBe(100_000);
    const refreshedError = maxScoreError(model, direct, probes);
    expect(refreshedError).toBeLessThan(1e-6);
    // Pure Sherman–Morrison over 100k steps is still usable here, but an explicit refresh is exact.
    expect(maxScoreError(neverRefreshed, direct, probes)).toBeLessThan(1e-8);
    neverRefreshed.refresh();
    expect(maxScoreError(neverRefreshed, direct, probes)).toBeLessThan(1e-10);
  });

  it("scores a batch exactly as one at a time", () => {
    const rng = seededRandom(7);
    const dim = 6;
    const model = new LinUCB({ dim, alpha: 0.4 });
    for (let i = 0; i < 50; i++) {
      const x = feature(rng, dim);
      model.update(x, rewardFor(rng, x));
    }
    const count = 9;
    const flat = new Float64Array(count * dim);
    for (let c = 0; c < count; c++) flat.set(feature(rng, dim), c * dim);
    const out = { mean: new Float64Array(count), bonus: new Float64Array(count), ucb: new Float64Array(count) };
    model.scoreMany(flat, count, out);
    for (let c = 0; c < count; c++) {
      const single = model.score(flat.subarray(c * dim, (c + 1) * dim));
      expect([out.mean[c], out.bonus[c], out.ucb[c]]).toEqual([single.mean, single.bonus, single.ucb]);
    }
  });

  it("gives the same scores whatever order the same updates arrive in", () => {
    const rng = seededRandom(99);
    const dim = 12;
    const updates = Array.from({ length: 3000 }, () => {
      const x = feature(rng, dim);
      return { x, r: rewardFor(rng, x) };
    });
    const forward = new LinUCB({ dim, alpha: 0.9, refreshEvery: 500 });
    const backward = new LinUCB({ dim, alpha: 0.9, refreshEvery: 500 });
    for (const u of updates) forward.update(u.x, u.r);
    for (const u of [...updates].reverse()) backward.update(u.x, u.r);
    for (let i = 0; i < 25; i++) {
      const x = feature(rng, dim);
      const a = forward.score(x);
      const b = backward.score(x);
      expect(relativeError(a.ucb, b.ucb, 1e-6)).toBeLessThan(1e-9);
      expect(relativeError(a.mean, b.mean, 1e-6)).toBeLessThan(1e-9);
    }
  });

  it("restores from exported state (object and bytes) to identical scores", () => {
    const rng = seededRandom(3);
    const dim = 10;
    const model = new LinUCB({ dim, alpha: 0.3, lambda: 2, refreshEvery: 64 });
    for (let i = 0; i < 777; i++) {
      const x = feature(rng, dim);
      model.update(x, rewardFor(rng, x));
    }
    const fromObject = LinUCB.fromState(model.exportState());
    const fromBytes = LinUCB.fromBytes(model.exportBytes());
    expect(fromBytes.updateCount).toBe(777);
    expect([fromBytes.alpha, fromBytes.lambda, fromBytes.refreshEvery]).toEqual([0.3, 2, 64]);
    const probes = Array.from({ length: 10 }, () => feature(rng, dim));
    for (const x of probes) expect(relativeError(fromBytes.score(x).ucb, model.score(x).ucb)).toBeLessThan(1e-12);
    // Restoring recomputes A⁻¹ exactly; after the same refresh the original agrees to the last bit.
    model.refresh();
    for (const x of probes) {
      expect(fromObject.score(x)).toEqual(model.score(x));
      expect(fromBytes.score(x)).toEqual(model.score(x));
    }
    expect(() => LinUCB.fromBytes(model.exportBytes().subarray(0, 100))).toThrow(/truncated/);
  });

  it("learns: after feedback favouring one direction, that direction scores higher", () => {
    const model = new LinUCB({ dim: 3, alpha: 0.1 });
    const good = Float64Array.of(1, 1, 0);
    const bad = Float64Array.of(1, 0, 1);
    for (let i = 0; i < 200; i++) {
      model.update(good, 1);
      model.update(bad, 0);
    }
    expect(model.score(good).mean).toBeGreaterThan(0.9);
    expect(model.score(bad).mean).toBeLessThan(0.1);
    // Exploration shrinks where the model has seen data.
    expect(model.score(good).bonus).toBeLessThan(model.score(Float64Array.of(0, 0, 5)).bonus);
  });

  it("rejects bad options and non-finite updates without changing the model", () => {
    expect(() => new LinUCB({ dim: 0, alpha: 1 })).toThrow(/dim/);
    expect(() => new LinUCB({ dim: 2, alpha: -1 })).toThrow(/alpha/);
    expect(() => new LinUCB({ dim: 2, alpha: 1, lambda: 0 })).toThrow(/lambda/);
    const model = new LinUCB({ dim: 2, alpha: 1 });
    model.update(Float64Array.of(1, 0.5), 1);
    const before = model.score(Float64Array.of(0.3, 0.2));
    expect(() => model.update(Float64Array.of(1, Number.NaN), 1)).toThrow(/x must be finite/);
    expect(() => model.update(Float64Array.of(1, 0), Number.POSITIVE_INFINITY)).toThrow(/reward/);
    expect(model.score(Float64Array.of(0.3, 0.2))).toEqual(before);
    expect(model.updateCount).toBe(1);
  });
});
