import { describe, expect, it } from "vitest";
import { bootstrapEstimates, PolicyTrace, quantile } from "../../src/eval/bootstrap";
import { CandidateResolver, Decision, EvalCatalog } from "../../src/eval/decision";
import { evaluate } from "../../src/eval/evaluate";
import type { LoggedDecision } from "../../src/eval/log-format";
import { LoggedState } from "../../src/eval/logged-state";
import { staticPolicy } from "../../src/eval/policies";
import { OnlineRewardModel } from "../../src/eval/reward-model";
import type { CatalogItem } from "../../src/state/ports";
import { catalogItems, generateLog } from "../../src/world/log-generator";
import { itemPopularity, staticScorer } from "../../src/world/policies";
import { createWorld, type WorldContext } from "../../src/world/world";
import { SMALL_WORLD } from "../world/small-world";

const world = createWorld({ ...SMALL_WORLD, sessionsPerHour: 4 }, 7);
const catalog = catalogItems(world);
const popularity = itemPopularity(world);
const byPopularity = {
  name: "popularity-by-truth",
  create: () => staticPolicy("popularity-by-truth", 0, (_i, index) => popularity[index]!),
};

const item = (id: string): CatalogItem => ({
  itemId: id,
  embedding: Float32Array.from([1, 0]),
  category: "c",
  attributes: {},
  available: true,
});
const row = (over: Partial<LoggedDecision>): LoggedDecision => ({
  tsMs: 0,
  userId: "u",
  sessionId: "s",
  context: { page: "home" },
  candidates: ["a", "b"],
  itemId: "a",
  position: 0,
  propensity: 0.5,
  reward: 0,
  ...over,
});

describe("IPS and SNIPS", () => {
  it("weigh each row by π/μ: hand-computed values on a tiny log", async () => {
    // The target always shows "a"; the logging policy showed a (p 0.5), b (p 0.5), a (p 0.25).
    const rows = [
      row({ itemId: "a", reward: 1, propensity: 0.5 }),
      row({ itemId: "b", reward: 1, propensity: 0.5 }),
      row({ itemId: "a", reward: 0, propensity: 0.25 }),
    ];
    const result = await evaluate(rows, {
      catalog: [item("a"), item("b")],
      policies: [{ name: "always-a", create: () => staticPolicy("always-a", 0, (i) => (i.itemId === "a" ? 1 : 0)) }],
      bootstrap: 50,
    });
    const { ips, snips, replay } = result.policies[0]!.estimates;
    // Weights 2, 0, 4: IPS = (2·1 + 0 + 4·0) / 3, SNIPS = 2 / (2 + 0 + 4).
    expect(ips!.value).toBeCloseTo(2 / 3, 12);
    expect(snips!.value).toBeCloseTo(2 / 6, 12);
    expect(snips!.weightSum).toBeCloseTo(6, 12);
    expect(replay!.n).toBe(2);
    expect(replay!.value).toBe(0.5);
  });

  it(
    "SNIPS is self-normalised: weights sum to n when the target is the logging policy, " + "and to about n otherwise",
    async () => {
      const score = staticScorer(world);
      const loggingItself = {
        name: "logging",
        create: () =>
          staticPolicy("logging", 0.3, (_i, index, d) => score(index, d.row.context as unknown as WorldContext)),
      };
      const rows = [
        ...generateLog(world, { policy: "egreedy", epsilon: 0.3, events: 4000, candidatesPerEvent: 10, seed: 3 }),
      ];
      const result = await evaluate(rows, { catalog, policies: [loggingItself, byPopularity], bootstrap: 50 });
      const [same, other] = result.policies;
      expect(same!.estimates.snips!.weightSum).toBeCloseTo(4000, 6);
      expect(same!.estimates.snips!.value).toBeCloseTo(result.log.meanReward, 12);
      expect(same!.estimates.ips!.value).toBeCloseTo(result.log.meanReward, 12);
      // E[π/μ] = 1 row by row, so Σw/n is near 1 (here within 10%), and SNIPS = IPS · n / Σw exactly.
      const weightSum = other!.estimates.snips!.weightSum!;
      expect(weightSum / 4000).toBeGreaterThan(0.9);
      expect(weightSum / 4000).toBeLessThan(1.1);
      expect(other!.estimates.snips!.value).toBeCloseTo((other!.estimates.ips!.value * 4000) / weightSum, 12);
    },
  );

  it("clipping caps each weight at W and reports how many rows it clipped", async () => {
    const rows = [
      ...generateLog(world, { policy: "egreedy", epsilon: 0.3, events: 3000, candidatesPerEvent: 10, seed: 4 }),
    ];
    const free = await evaluate(rows, {
      catalog,
      policies: [byPopularity],
      estimators: ["ips", "snips", "dr"],
      bootstrap: 20,
    });
    const clipped = await evaluate(rows, {
      catalog,
      policies: [byPopularity],
      estimators: ["ips", "snips", "dr"],
      bootstrap: 20,
      clip: 5,
    });
    // The target is deterministic: π/μ is 1/μ where it agrees with the log, 0 elsewhere.
    const agreeing = rows.filter((r) => {
      const best = r.candidates!.reduce((a, b) =>
        popularity[world.itemIndexById.get(b)!]! > popularity[world.itemIndexById.get(a)!]! ? b : a,
      );
      return best === r.itemId;
    });
    const overFive = agreeing.filter((r) => 1 / r.propensity > 5);
    expect(overFive.length).toBeGreaterThan(0);
    const estimate = clipped.policies[0]!.estimates.ips!;
    expect(estimate.clipped).toBe(overFive.length);
    expect(clipped.policies[0]!.estimates.dr!.clipped).toBe(overFive.length);
    expect(estimate.maxWeight).toBeCloseTo(Math.max(...agreeing.map((r) => 1 / r.propensity)), 9);
    const expected = agreeing.reduce((s, r) => s + Math.min(5, 1 / r.propensity) * r.reward, 0) / rows.length;
    expect(estimate.value).toBeCloseTo(expected, 12);
    expect(estimate.value).toBeLessThanOrEqual(free.policies[0]!.estimates.ips!.value);
    expect(free.policies[0]!.estimates.ips!.clipped).toBeUndefined();
  });
});

describe("DR's reward model", () => {
  const catalogOf = new EvalCatalog([item("a"), item("b"), item("c")]);
  const resolver = new CandidateResolver(catalogOf);
  const state = new LoggedState(catalogOf.mirror);
  const decision = (index: number, r: Partial<LoggedDecision>) => {
    const full = row({ candidates: ["a", "b", "c"], propensity: 1 / 3, ...r });
    const candidates = resolver.resolve(full.candidates) as ReturnType<typeof catalogOf.all>;
    return new Decision(index, full, candidates, candidates.ids.indexOf(full.itemId), catalogOf, state);
  };

  it(
    "predicts from earlier rows only: overall → item → (context, item) means, " +
      "each shrunk by 5 pseudo-observations",
    () => {
      const model = new OnlineRewardModel(3);
      const out = new Float64Array(3);
      model.predict(decision(0, {}), out);
      expect([...out]).toEqual([0, 0, 0]);
      model.observe(decision(0, { itemId: "a", reward: 1, context: { page: "home" } }));
      model.observe(decision(1, { itemId: "a", reward: 1, context: { page: "home" } }));
      model.observe(decision(2, { itemId: "b", reward: 0, context: { page: "cart" } }));
      // Overall mean m = 2/3. Item a: (2 + 5m) / (2 + 5); in context home: (2 + 5·r̂(a)) / (2 + 5).
      const m = 2 / 3;
      const itemA = (2 + 5 * m) / 7;
      const itemB = (0 + 5 * m) / 6;
      model.predict(decision(3, { context: { page: "home" } }), out);
      expect(out[0]).toBeCloseTo((2 + 5 * itemA) / 7, 12);
      expect(out[1]).toBeCloseTo(itemB, 12); // b was never seen at home: its context mean is its item mean
      expect(out[2]).toBeCloseTo(m, 12); // c was never seen at all
      // A context never seen (and not yet tracked) falls back to the item level.
      model.predict(decision(4, { context: { page: "product" } }), out);
      expect(out[0]).toBeCloseTo(itemA, 12);
      expect(OnlineRewardModel.DESCRIPTION).toMatch(/fitted on earlier rows only/);
    },
  );

  it(
    "DR is the direct estimate plus the weighted residual: with a uniform target on a uniform log it is the " +
      "mean reward plus a zero-mean correction",
    async () => {
      const rows = [...generateLog(world, { policy: "uniform", events: 3000, candidatesPerEvent: 10, seed: 5 })];
      const result = await evaluate(rows, { catalog, policies: [{ kind: "random" }], bootstrap: 50 });
      const { dr, ips } = result.policies[0]!.estimates;
      expect(ips!.value).toBeCloseTo(result.log.meanReward, 12);
      expect(Math.abs(dr!.value - ips!.value)).toBeLessThan(0.005);
      expect(dr!.rewardModel).toBe(OnlineRewardModel.DESCRIPTION);
    },
  );
});

describe("bootstrap", () => {
  it("percentile intervals from resampled clusters; seeded, so the same inputs give the same interval", () => {
    const trace = new PolicyTrace();
    const rewards = new Float64Array(2000);
    for (let i = 0; i < 2000; i++) {
      rewards[i] = i % 4 === 0 ? 1 : 0;
      trace.push(i % 2 === 0, 1, rewards[i]!);
    }
    const clusters = { clusterOf: Int32Array.from({ length: 2000 }, (_, i) => Math.floor(i / 4)), count: 500 };
    const once = bootstrapEstimates([trace], rewards, 2000, ["replay", "ips"], { resamples: 300, seed: 9, clusters });
    const again = bootstrapEstimates([trace], rewards, 2000, ["replay", "ips"], { resamples: 300, seed: 9, clusters });
    expect(once).toEqual(again);
    // Every cluster of 4 rows holds exactly one reward: resampling clusters leaves IPS at exactly 0.25,
    // where resampling rows would spread it.
    expect(once[0]!.ips.ci).toEqual([0.25, 0.25]);
    expect(once[0]!.replay.value).toBe(0.5);
    const byRow = bootstrapEstimates([trace], rewards, 2000, ["ips"], { resamples: 300, seed: 9 });
    expect(byRow[0]!.ips.ci[0]).toBeLessThan(0.24);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([0, 10], 0.975)).toBeCloseTo(9.75, 12);
  });
});
