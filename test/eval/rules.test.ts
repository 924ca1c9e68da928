import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/bandit/rng";
import { firstSlotDistribution } from "../../src/bandit/slate";
import { OnlineModel } from "../../src/engine/model";
import { rankSlate } from "../../src/engine/ranker";
import { candidateRules } from "../../src/engine/rules";
import type { SlateRules } from "../../src/engine/types";
import { CandidateResolver, Decision, EvalCatalog } from "../../src/eval/decision";
import type { LoggedDecision } from "../../src/eval/log-format";
import { LinUCBPolicy } from "../../src/eval/linucb-policy";
import { LoggedState } from "../../src/eval/logged-state";
import { createPolicy } from "../../src/eval/policies";
import { catalogItems, generateLog } from "../../src/world/log-generator";
import { createWorld } from "../../src/world/world";
import { SMALL_WORLD } from "../world/small-world";

const world = createWorld(SMALL_WORLD, 11);
const items = catalogItems(world);

/** Rules of row i: a brand boost on every row, a pin on every third, a cap on every other. */
function rulesOf(i: number, candidates: readonly string[]): SlateRules {
  return {
    pinnedIds: i % 3 === 0 ? ["not-in-the-catalog", candidates[(i * 5) % candidates.length]!] : [],
    maxPerCategory: i % 2 === 0 ? 1 : 0,
    boosts: [
      { attribute: "brand", value: items[i % items.length]!.attributes.brand!, weight: 0.5 },
      { attribute: "color", value: items[(i * 7) % items.length]!.attributes.color!, weight: -0.2 },
    ],
  };
}

describe("the evaluator under a logged decision's rules", () => {
  const catalog = new EvalCatalog(items);
  const resolver = new CandidateResolver(catalog);

  it("gives each slot-0 choice the service's propensity under the same rules, pins included", () => {
    const epsilon = 0.1;
    const spec = { kind: "linucb", alpha: 0.5, epsilon, session: true, longTerm: true } as const;
    const policy = new LinUCBPolicy(catalog, spec, "linucb");
    const egreedy = createPolicy({ kind: "egreedy", epsilon: 0.2 }, catalog);
    const service = OnlineModel.create({ dim: world.params.dim, alpha: 0.5 });
    const state = new LoggedState(catalog.mirror);
    const rng = seededRandom(9);
    const rows = [...generateLog(world, { policy: "uniform", events: 300, candidatesPerEvent: 8, seed: 4 })];
    const distribution = new Float64Array(8);
    let pinnedRows = 0;
    let boostDecided = 0;
    rows.forEach((logged, i) => {
      const candidates = resolver.resolve(logged.candidates) as ReturnType<typeof catalog.all>;
      const rules = rulesOf(i, candidates.ids);
      const probe = new Decision(i, logged, candidates, 0, catalog, state);
      const request = {
        candidates: candidates.items,
        session: probe.sessionVector(),
        longTerm: probe.longTerm(),
        context: probe.hashedContext(),
        signals: probe.signals(),
      };
      // The service ranks under the rules (resolved as recommend.ts resolves them) and logs slot 0.
      const slotRules = candidateRules(catalog.mirror, candidates.indices, candidates.items, rules);
      const served = rankSlate(service.bandit, service.spec, { ...request, k: 4, epsilon, rng, rules: slotRules });
      const first = served[0]!;
      const row: LoggedDecision = { ...logged, itemId: first.item.itemId, propensity: first.propensity, rules };
      const d = new Decision(i, row, candidates, candidates.ids.indexOf(row.itemId), catalog, state);

      expect(policy.probabilityOfLogged(d)).toBe(first.propensity);
      const all = rankSlate(service.bandit, service.spec, { ...request, k: 8, epsilon: 0, rng });
      const scores = candidates.items.map((item) => all.find((s) => s.item === item)!.score);
      policy.distribution(d, distribution);
      expect([...distribution]).toEqual([...firstSlotDistribution(scores, epsilon, slotRules)]);
      if (rules.pinnedIds.length > 0) {
        pinnedRows++;
        expect(first.pinned).toBe(true);
        expect(first.item.itemId).toBe(rules.pinnedIds[1]);
        expect(policy.probabilityOfLogged(d)).toBe(1);
        expect(policy.choosesLogged(d, rng)).toBe(true);
        expect(egreedy.probabilityOfLogged(d)).toBe(1);
      } else {
        const plain = firstSlotDistribution(scores, epsilon);
        if (plain.indexOf(Math.max(...plain)) !== distribution.indexOf(Math.max(...distribution))) boostDecided++;
      }

      service.apply({ itemId: first.item.itemId, shared: first.shared, arm: first.arm, reward: d.reward });
      policy.learn(d);
      egreedy.learn(d);
      state.observe(row);
    });
    expect(pinnedRows).toBe(100);
    // The boosts changed the greedy pick on some rows: the test would catch a policy that ignored them.
    expect(boostDecided).toBeGreaterThan(5);
    expect(policy.model.exportSnapshot()).toEqual(service.exportSnapshot());
  });
});
