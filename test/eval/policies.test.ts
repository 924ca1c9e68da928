import { describe, expect, it } from "vitest";
import { hashContext } from "../../src/bandit/features";
import { seededRandom } from "../../src/bandit/rng";
import { firstSlotDistribution } from "../../src/bandit/slate";
import { OnlineModel } from "../../src/engine/model";
import { CandidateScorer, rankSlate } from "../../src/engine/ranker";
import { CandidateResolver, Decision, EvalCatalog } from "../../src/eval/decision";
import type { LoggedDecision } from "../../src/eval/log-format";
import { LinUCBPolicy } from "../../src/eval/linucb-policy";
import { LoggedState } from "../../src/eval/logged-state";
import { parsePolicySpec, policySpecName } from "../../src/eval/policy-spec";
import { catalogItems, generateLog } from "../../src/world/log-generator";
import { createWorld } from "../../src/world/world";
import { SMALL_WORLD } from "../world/small-world";

const world = createWorld(SMALL_WORLD, 11);
const items = catalogItems(world);

describe("policy specs", () => {
  it("parse with the service's defaults and print canonically", () => {
    expect(parsePolicySpec("linucb")).toEqual({
      kind: "linucb",
      alpha: 0.5,
      epsilon: 0.05,
      session: true,
      longTerm: true,
    });
    expect(policySpecName(parsePolicySpec("linucb:alpha=1,session=off"))).toBe(
      "linucb:alpha=1,epsilon=0.05,session=off,longterm=on",
    );
    expect(parsePolicySpec("egreedy:epsilon=0.2")).toEqual({ kind: "egreedy", epsilon: 0.2 });
    expect(parsePolicySpec("popularity")).toEqual({ kind: "popularity", epsilon: 0 });
    expect(() => parsePolicySpec("thompson")).toThrow(
      /unknown kind "thompson"; use random, popularity, egreedy or linucb/,
    );
    expect(() => parsePolicySpec("egreedy:epsilon=2")).toThrow(/epsilon must be a number in \[0, 1\], got "2"/);
    expect(() => parsePolicySpec("random:alpha=1")).toThrow(/"alpha" is not a setting of random; it takes no settings/);
    expect(() => parsePolicySpec("linucb:session=maybe")).toThrow(/session must be on or off/);
  });
});

describe("CandidateScorer (the ranker's scoring with reused buffers)", () => {
  it("scores exactly as rankSlate and finds the same greedy pick as firstSlotDistribution, ties included", () => {
    const model = OnlineModel.create({ dim: world.params.dim, alpha: 0.7 });
    const scorer = new CandidateScorer(model.spec);
    const rng = seededRandom(5);
    const context = hashContext({ device: "mobile", page: "home" });
    for (let round = 0; round < 60; round++) {
      const candidates = Array.from({ length: 12 }, () => items[Math.floor(rng() * items.length)]!);
      const session = round % 3 === 0 ? null : items[round]!.embedding;
      const request = { candidates, session, longTerm: items[round + 1]!.embedding, context };
      const scores = scorer.scoreAll(model.bandit, request);
      const slate = rankSlate(model.bandit, model.spec, { ...request, k: 1, epsilon: 0, rng });
      expect(slate[0]!.score).toBe(scores[slate[0]!.item === candidates[0] ? 0 : candidates.indexOf(slate[0]!.item)]);
      const greedy = firstSlotDistribution(scores, 0).indexOf(1);
      for (let c = 0; c < candidates.length; c++)
        expect(scorer.isGreedyFirst(model.bandit, request, c)).toBe(c === greedy);
      for (let c = 0; c < candidates.length; c++)
        expect(scorer.firstAbove(model.bandit, request, c, (c + 5) % 12) === -1).toBe(c === greedy);
      // Learn something, so scores differ between rounds (round 0 is the all-ties case).
      const pick = candidates[Math.floor(rng() * candidates.length)]!;
      const shared = new Float32Array(model.spec.sharedDim);
      const arm = new Float32Array(model.spec.armDim);
      scorer.servedFeatures(request, candidates.indexOf(pick), shared, arm);
      model.apply({ itemId: pick.itemId, shared, arm, reward: rng() < 0.3 ? 1 : 0 });
    }
  });
});

describe("LinUCB as a target policy", () => {
  const catalog = new EvalCatalog(items);
  const resolver = new CandidateResolver(catalog);

  function decisions(rows: LoggedDecision[], state: LoggedState): Decision[] {
    return rows.map((row, i) => {
      const candidates = resolver.resolve(row.candidates) as ReturnType<typeof catalog.all>;
      return new Decision(i, row, candidates, candidates.ids.indexOf(row.itemId), catalog, state);
    });
  }

  it("learns exactly what the service's model learns from the same updates, and its π matches the ranker's", () => {
    const spec = { kind: "linucb", alpha: 0.5, epsilon: 0.1, session: true, longTerm: true } as const;
    const policy = new LinUCBPolicy(catalog, spec, "linucb");
    const service = OnlineModel.create({ dim: world.params.dim, alpha: 0.5 });
    const state = new LoggedState(catalog.mirror);
    const rows = [...generateLog(world, { policy: "uniform", events: 400, candidatesPerEvent: 8, seed: 2 })];
    const distribution = new Float64Array(8);
    for (const d of decisions(rows, state)) {
      const request = {
        candidates: d.candidates.items,
        session: d.sessionVector(),
        longTerm: d.longTerm(),
        context: d.hashedContext(),
        signals: d.signals(),
      };
      // The service serves with rankSlate and learns from the served φ (float32) of the shown item.
      const served = rankSlate(service.bandit, service.spec, {
        ...request,
        k: d.size,
        epsilon: 0,
        rng: seededRandom(1),
      });
      const expected = firstSlotDistribution(
        d.candidates.items.map((item) => served.find((s) => s.item === item)!.score),
        0.1,
      );
      policy.distribution(d, distribution);
      expect([...distribution]).toEqual([...expected]);
      expect(policy.probabilityOfLogged(d)).toBeCloseTo(expected[d.logged]!, 15);
      const shown = served.find((s) => s.item.itemId === d.row.itemId)!;
      service.apply({ itemId: shown.item.itemId, shared: shown.shared, arm: shown.arm, reward: d.reward });
      policy.learn(d);
      state.observe(d.row);
    }
    expect(policy.model.exportSnapshot()).toEqual(service.exportSnapshot());
  });

  it("replay picks the logged item as often as π says: ε/n + (1 − ε)·[greedy]", () => {
    const policy = new LinUCBPolicy(
      catalog,
      { kind: "linucb", alpha: 0.5, epsilon: 0.4, session: false, longTerm: false },
      "linucb",
    );
    const state = new LoggedState(catalog.mirror);
    const [d] = decisions(
      [...generateLog(world, { policy: "uniform", events: 1, candidatesPerEvent: 8, seed: 3 })],
      state,
    );
    const rng = seededRandom(4);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (policy.choosesLogged(d!, rng)) hits++;
    expect(Math.abs(hits / 20_000 - policy.probabilityOfLogged(d!))).toBeLessThan(0.01);
  });
});

describe("the rebuilt service state", () => {
  const catalog = new EvalCatalog(items);
  const row = (over: Partial<LoggedDecision>): LoggedDecision => ({
    tsMs: 0,
    userId: "u1",
    sessionId: "s1",
    context: {},
    candidates: null,
    itemId: items[0]!.itemId,
    position: 0,
    propensity: 0.5,
    reward: 1,
    ...over,
  });

  it("appends rewarded items newest first, bounded, gone after the idle TTL; moves the long-term embedding", () => {
    const state = new LoggedState(catalog.mirror, { sessionWindow: 3, sessionTtlMs: 1000, learningRate: 0.5 });
    for (let i = 0; i < 5; i++)
      state.observe(row({ itemId: items[i]!.itemId, tsMs: i * 100, reward: i === 2 ? 0 : 1 }));
    expect(state.window("s1", 450).map((e) => e.itemId)).toEqual([
      items[4]!.itemId,
      items[3]!.itemId,
      items[1]!.itemId,
    ]);
    expect(state.window("s1", 1401)).toEqual([]);
    expect(state.window("other", 450)).toEqual([]);
    const longTerm = state.longTerm("u1")!;
    let norm = 0;
    for (const x of longTerm) norm += x * x;
    expect(norm).toBeCloseTo(1, 5);
    expect(state.longTerm("u2")).toBeNull();
    // A dismissal takes a window slot (the session vector leaves it out) and moves the profile away.
    state.observe(row({ itemId: items[9]!.itemId, tsMs: 500, reward: -1 }));
    expect(state.window("s1", 500)[0]).toMatchObject({ itemId: items[9]!.itemId, type: "dismiss" });
    expect(state.longTerm("u1")).not.toEqual(longTerm);
  });
});
