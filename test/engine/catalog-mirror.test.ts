import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/bandit/rng";
import { CatalogMirror } from "../../src/engine/catalog-mirror";
import type { CatalogItem, ItemStore } from "../../src/state/ports";

function randomItems(n: number, dim: number, seed: number): CatalogItem[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({
    itemId: `it-${i}`,
    embedding: Float32Array.from({ length: dim }, () => rng() * 2 - 1),
    category: `c${i % 3}`,
    attributes: {},
    available: true,
  }));
}

describe("CatalogMirror", () => {
  it("finds the nearest items exactly as a full sort would, honouring the filter", () => {
    const dim = 8;
    const items = randomItems(3000, dim, 1);
    const mirror = new CatalogMirror(dim);
    mirror.apply(items);
    const rng = seededRandom(2);
    for (let trial = 0; trial < 5; trial++) {
      const s = Float32Array.from({ length: dim }, () => rng() - 0.5);
      const l = trial % 2 === 0 ? Float32Array.from({ length: dim }, () => rng() - 0.5) : null;
      // Every 7th item excluded by id; odd trials also ask for one category.
      const category = trial % 2 === 1 ? items[trial]!.category : "";
      const keep = (i: number) =>
        i % 7 !== 0 && items[i]!.available && (category === "" || items[i]!.category === category);
      const filter = mirror.filter(
        category,
        items.filter((_, i) => i % 7 === 0).map((item) => item.itemId),
      );
      const expected = items
        .map((item, i) => ({ i, score: item.embedding.reduce((sum, v, j) => sum + v * (s[j]! + (l ? l[j]! : 0)), 0) }))
        .filter(({ i }) => keep(i))
        .sort((a, b) => b.score - a.score || a.i - b.i)
        .slice(0, 50)
        .map(({ i }) => i);
      expect(expected.length).toBeGreaterThan(0);
      expect(mirror.nearest([s, l], 50, filter)).toEqual(expected);
    }
    expect(mirror.nearest([null, null], 10, mirror.filter("", []))).toEqual([]);

    // The sampled first bar: every 16th item (exactly the ones sampled) far above the rest sets a bar
    // only 28 items clear, so the scan starts over without it; the answer is still exact.
    const skewed = randomItems(6000, dim, 9).map((item, i) =>
      i % 16 === 0 ? { ...item, embedding: item.embedding.map((v) => v * 10 + 5) } : item,
    );
    const skewedMirror = new CatalogMirror(dim);
    skewedMirror.apply(skewed);
    const q = Float32Array.from({ length: dim }, () => 1);
    const all = skewed
      .map((item, i) => ({ i, score: item.embedding.reduce((sum, v) => sum + v, 0) }))
      .sort((a, b) => b.score - a.score || a.i - b.i);
    for (const limit of [100, 300])
      expect(skewedMirror.nearest([q, null], limit, skewedMirror.filter("", []))).toEqual(
        all.slice(0, limit).map(({ i }) => i),
      );
    expect(
      mirror.nearest([Float32Array.from({ length: dim }, () => 1), null], 10, mirror.filter("no-such-category", [])),
    ).toEqual([]);
  });

  it("replaces items in place and pulls changes from the store by cursor", async () => {
    const mirror = new CatalogMirror(4);
    const pages = [
      { items: randomItems(3, 4, 3), cursor: "3" },
      { items: [{ ...randomItems(1, 4, 4)[0]!, itemId: "it-1", available: false }], cursor: "4" },
    ];
    let call = 0;
    const store = { changesSince: async () => pages[call++] ?? { items: [], cursor: "4" } } as unknown as ItemStore;
    expect(await mirror.pull(store)).toBe(3);
    expect(await mirror.pull(store)).toBe(1);
    expect(mirror.size).toBe(3);
    expect(mirror.get("it-1")!.available).toBe(false);
    expect(Array.from(mirror.embeddingAt(mirror.indexOf("it-1")!))).toEqual(Array.from(pages[1]!.items[0]!.embedding));
  });

  it("orders by decayed positive feedback", () => {
    const mirror = new CatalogMirror(4);
    mirror.apply(randomItems(4, 4, 5));
    expect(mirror.popularIndices(1_000).slice(0, 3)).toEqual([0, 1, 2]);
    mirror.recordPositive("it-2", 3);
    mirror.recordPositive("it-3", 1);
    // The order is refreshed at most once a second.
    expect(mirror.popularIndices(1_500).slice(0, 3)).toEqual([0, 1, 2]);
    expect(mirror.popularIndices(2_000).slice(0, 3)).toEqual([2, 3, 0]);
  });

  it("lifts an item by its organic picks relative to its category's mean, ignoring picks from recommendations", () => {
    const mirror = new CatalogMirror(4);
    // Categories by index mod 3: c0 holds it-0, it-3, it-6, it-9.
    mirror.apply(randomItems(12, 4, 6));
    const lift = (id: string) => mirror.popularityLift(mirror.indexOf(id)!);
    expect(lift("it-0")).toBe(0);
    mirror.recordPositive("it-0", 3, true);
    mirror.recordPositive("it-3", 5, false);
    // c0's mean is 3 / 4 items: it-0 is ahead of it, it-3 (clicked only from recommendations) behind.
    expect(lift("it-0")).toBeCloseTo(Math.log(4 / 1.75), 12);
    expect(lift("it-3")).toBeCloseTo(Math.log(1 / 1.75), 12);
    expect(lift("it-1")).toBe(0);
    // Moving it-0 to c1 takes its picks along.
    mirror.apply([{ ...mirror.get("it-0")!, category: "c1" }]);
    expect(lift("it-3")).toBe(0);
    expect(lift("it-1")).toBeCloseTo(Math.log(1 / (3 / 5 + 1)), 12);
  });
});
