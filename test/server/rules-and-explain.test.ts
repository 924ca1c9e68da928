import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { RecommendRequest } from "../../src/server/generated/recs/v1/RecommendRequest";
import type { RecommendResponse__Output } from "../../src/server/generated/recs/v1/RecommendResponse";
import { codeOf, serviceForSuite, testCatalog, type StoreKind } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];
// testCatalog: item-i is in cat-(i % 4), brand-(i % 5), red when i is odd.
const categoryOf = (itemId: string) => `cat-${Number(itemId.slice(5)) % 4}`;
const brandOf = (itemId: string) => `brand-${Number(itemId.slice(5)) % 5}`;

describe.each(kinds)("Recommend's rules, recent items and explanations over a socket (%s stores)", (kind) => {
  // ε = 0, so the order is the greedy one and the assertions are exact.
  const suite = serviceForSuite(kind, { overrides: { epsilon: 0 } });
  const recommend = (request: Partial<RecommendRequest>) =>
    suite.t.client.recommend({ userId: "u-rules", sessionId: "s-rules", k: 10, ...request });
  const sumOfParts = (item: RecommendResponse__Output["items"][number]) => {
    const p = item.parts!;
    return p.session + p.longTerm + p.context + p.item + p.popularity + p.bias;
  };

  it("explains each item only when asked, the parts summing to expected_reward (1e-9), after learning too", async ({
    skip,
  }) => {
    if (!suite.enabled) skip();
    const plain = await recommend({ context: { device: "mobile" } });
    expect(plain.items.every((item) => item.parts === null)).toBe(true);
    const clicked: string[] = [];
    for (let round = 0; round < 3; round++) {
      const rec = await recommend({ explain: true, context: { device: "mobile" } });
      expect(rec.items).toHaveLength(10);
      for (const item of rec.items) expect(Math.abs(sumOfParts(item) - item.expectedReward)).toBeLessThan(1e-9);
      // Clicks give the first items per-item statistics, so the next round's item parts are not all 0.
      for (const item of rec.items.slice(0, 3)) {
        clicked.push(item.itemId);
        await suite.t.client.feedback({
          eventId: `explain-${kind}-${round}-${item.itemId}`,
          userId: "u-rules",
          sessionId: "s-rules",
          itemId: item.itemId,
          type: "CLICK",
          recommendationId: rec.recommendationId,
        });
      }
    }
    // Named candidates are not left out as already seen in the session, so the clicked ones come back.
    const last = await recommend({ explain: true, context: { device: "mobile" }, candidateIds: clicked });
    expect(last.items).toHaveLength(clicked.length);
    for (const item of last.items) expect(Math.abs(sumOfParts(item) - item.expectedReward)).toBeLessThan(1e-9);
    expect(last.items.every((item) => item.parts!.item !== 0)).toBe(true);
    expect(last.items.every((item) => item.parts!.session !== 0)).toBe(true);
  });

  it("places pins first with propensity 1 and lists the ones it could not place", async ({ skip }) => {
    if (!suite.enabled) skip();
    const rec = await recommend({
      pinnedIds: ["item-7", "no-such-item", "item-3", "item-7", "item-12"],
      excludeIds: ["item-12"],
      category: "cat-1",
      k: 5,
    });
    // Pins are not bound by the category filter (item-7 and item-3 are cat-3); the rest are cat-1.
    expect(rec.items.slice(0, 2).map((i) => i.itemId)).toEqual(["item-7", "item-3"]);
    expect(rec.items.slice(0, 2).every((i) => i.propensity === 1 && !i.explored)).toBe(true);
    expect(rec.items.slice(2).every((i) => categoryOf(i.itemId) === "cat-1")).toBe(true);
    expect(rec.unplacedPinnedIds).toEqual(["no-such-item", "item-7", "item-12"]);
    // A pinned slot's serving context is stored like any other: feedback on it trains the model.
    const ack = await suite.t.client.feedback({
      eventId: `pinned-click-${kind}`,
      userId: "u-rules",
      sessionId: "s-pins",
      itemId: "item-7",
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    expect(ack.appliedToModel).toBe(true);
    const gone = { ...testCatalog(1)[0]!, itemId: "pin-gone", available: false };
    expect((await suite.t.client.upsertItems([gone])).upserted).toBe("1");
    const unavailable = await recommend({ pinnedIds: ["pin-gone", "item-5"], candidateIds: ["pin-gone", "item-9"] });
    expect(unavailable.items.map((i) => i.itemId)).toEqual(["item-5", "item-9"]);
    expect(unavailable.unplacedPinnedIds).toEqual(["pin-gone"]);
    const beyondK = await recommend({ pinnedIds: ["item-1", "item-2", "item-3"], k: 2 });
    expect(beyondK.items.map((i) => i.itemId)).toEqual(["item-1", "item-2"]);
    expect(beyondK.unplacedPinnedIds).toEqual(["item-3"]);
  });

  it("never puts more than max_per_category of one category in a slate, pins included", async ({ skip }) => {
    if (!suite.enabled) skip();
    const rec = await recommend({ maxPerCategory: 2, pinnedIds: ["item-0", "item-4", "item-8"], k: 10 });
    // Four categories × 2: eight items, though k is 10; item-8 (cat-0, third) does not fit.
    expect(rec.items).toHaveLength(8);
    const counts = new Map<string, number>();
    for (const item of rec.items) counts.set(categoryOf(item.itemId), (counts.get(categoryOf(item.itemId)) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2, 2]);
    expect(rec.unplacedPinnedIds).toEqual(["item-8"]);
  });

  it("boosts and demotes by attribute value in the ranking, leaving the reported score alone", async ({ skip }) => {
    if (!suite.enabled) skip();
    const boosted = await recommend({ boosts: [{ attribute: "brand", value: "brand-3", weight: 100 }], k: 5 });
    expect(boosted.items.map((i) => brandOf(i.itemId))).toEqual(Array(5).fill("brand-3"));
    expect(boosted.items.every((i) => i.score < 100)).toBe(true);
    const demoted = await recommend({
      boosts: [
        { attribute: "color", value: "red", weight: -100 },
        { attribute: "no-such-attribute", value: "x", weight: 50 },
      ],
      k: 15,
      sessionId: "s-demoted",
    });
    expect(demoted.items).toHaveLength(15);
    expect(demoted.items.every((i) => Number(i.itemId.slice(5)) % 2 === 0)).toBe(true);
  });

  it("uses recent_item_ids as the newest session events for this request only, stateless without a session", async ({
    skip,
  }) => {
    if (!suite.enabled) skip();
    const cold = await suite.t.client.recommend({ userId: "u-recent", k: 10, explain: true });
    expect(cold.items.every((i) => i.parts!.session === 0)).toBe(true);
    const more = await suite.t.client.recommend({
      userId: "u-recent",
      k: 5,
      explain: true,
      recentItemIds: ["item-6", "unknown-item"],
    });
    expect(more.items.every((i) => i.parts!.session !== 0)).toBe(true);
    // More like item-6 (cat-2): the most similar items lead, and item-6 itself is left out as seen.
    expect(more.items.map((i) => i.itemId)).not.toContain("item-6");
    expect(categoryOf(more.items[0]!.itemId)).toBe("cat-2");
    await suite.t.client.recommend({ userId: "u-recent", sessionId: "s-recent", recentItemIds: ["item-6"] });
    const state = await suite.t.client.getUserState("u-recent", "s-recent");
    expect(state.session).toEqual([]);
    expect(state.interactionCount).toBe("0");
  });

  it("rejects bad rules with INVALID_ARGUMENT naming the field", async ({ skip }) => {
    if (!suite.enabled) skip();
    const cases: Array<[Partial<RecommendRequest>, RegExp]> = [
      [
        { boosts: [{ attribute: "a", value: "b", weight: 1 }, {}, { attribute: "a", value: "b", weight: 250 }] },
        /boosts\[1\]\.attribute is required/,
      ],
      [
        {
          boosts: [
            { attribute: "a", value: "b", weight: 1 },
            { attribute: "a", value: "b", weight: 250 },
          ],
        },
        /boosts\[1\]\.weight must be finite with \|weight\| <= 100, got 250/,
      ],
      [{ boosts: [{ attribute: "a", value: "b", weight: Number.NaN }] }, /boosts\[0\]\.weight must be finite/],
      [{ boosts: [{ attribute: "a", value: "", weight: 1 }] }, /boosts\[0\]\.value is required/],
      [
        { boosts: [{ attribute: "a".repeat(257), value: "b", weight: 1 }] },
        /boosts\[0\]\.attribute must be at most 256/,
      ],
      [{ boosts: Array(33).fill({ attribute: "a", value: "b", weight: 1 }) }, /boosts must have at most 32/],
      [{ pinnedIds: ["item-1", ""] }, /pinned_ids\[1\] is required/],
      [{ pinnedIds: Array.from({ length: 101 }, (_, i) => `item-${i}`) }, /pinned_ids must have at most 100 ids/],
      [{ recentItemIds: ["x".repeat(257)] }, /recent_item_ids\[0\] must be at most 256 bytes/],
      [{ recentItemIds: Array(101).fill("item-1") }, /recent_item_ids must have at most 100 ids/],
      [{ maxPerCategory: 101 }, /max_per_category must be at most 100 \(0 means no cap\), got 101/],
    ];
    for (const [request, message] of cases) {
      const { code, details } = await codeOf(recommend(request));
      expect(code, JSON.stringify(request).slice(0, 80)).toBe(status.INVALID_ARGUMENT);
      expect(details).toMatch(message);
    }
  });
});
