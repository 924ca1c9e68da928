import { describe, expect, it } from "vitest";
import { InvalidArgument } from "../../src/errors";
import { clickLogitParts, clickProbability, conversionProbabilities, oracleChoice } from "../../src/world/click-model";
import { DEFAULT_WORLD_PARAMS } from "../../src/world/params";
import { createRandom } from "../../src/world/random";
import { sessionStream, type DecisionEvent } from "../../src/world/sessions";
import { createWorld, dot, itemAttributes, type World } from "../../src/world/world";
import { SMALL_WORLD } from "./small-world";

function decisions(world: World, count: number, seed = 1): DecisionEvent[] {
  const stream = sessionStream(world, createRandom(seed));
  const out: DecisionEvent[] = [];
  while (out.length < count) {
    const event = stream.next().value;
    if (event.kind === "decision") out.push(event);
  }
  return out;
}

describe("createWorld", () => {
  it("builds the same world from the same seed and a different one from another", () => {
    const a = createWorld(SMALL_WORLD, 42);
    const b = createWorld(SMALL_WORLD, 42);
    const c = createWorld(SMALL_WORLD, 43);
    expect(a.items.map((i) => [i.itemId, i.category, Array.from(i.embedding)])).toEqual(
      b.items.map((i) => [i.itemId, i.category, Array.from(i.embedding)]),
    );
    expect(a.users.map((u) => u.tasteCategories)).toEqual(b.users.map((u) => u.tasteCategories));
    expect(Array.from(c.items[0]!.embedding)).not.toEqual(Array.from(a.items[0]!.embedding));
  });

  it("fills defaults: 2000 unit-length 32-d items in 20 categories, 5000 users", () => {
    const world = createWorld({}, 42);
    expect(world.params).toEqual(DEFAULT_WORLD_PARAMS);
    expect(world.items).toHaveLength(2000);
    expect(world.users).toHaveLength(5000);
    expect(new Set(world.items.map((i) => i.category)).size).toBe(20);
    for (const item of world.items) expect(dot(item.embedding, item.embedding)).toBeCloseTo(1, 4);
    expect(itemAttributes(world, world.items[0]!)).toEqual({
      brand: expect.stringMatching(/^brand_\d{2}$/),
      color: expect.any(String),
      price_band: expect.stringMatching(/^[1-5]$/),
    });
  });

  it("puts items near their category centroid and users' tastes near their categories", () => {
    const world = createWorld(SMALL_WORLD, 5);
    const own = world.items.map((i) => dot(i.embedding, world.centroids[i.category]!));
    const other = world.items.map((i) => dot(i.embedding, world.centroids[(i.category + 1) % 8]!));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(own)).toBeGreaterThan(0.7);
    expect(Math.abs(mean(other))).toBeLessThan(0.2);
    for (const user of world.users.slice(0, 50)) {
      expect(user.tasteCategories.length).toBeGreaterThanOrEqual(1);
      expect(user.tasteCategories.length).toBeLessThanOrEqual(3);
      expect(user.tasteWeights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 9);
      const main = user.tasteCategories[user.tasteWeights.indexOf(Math.max(...user.tasteWeights))]!;
      expect(dot(user.taste, world.centroids[main]!)).toBeGreaterThan(0.3);
    }
  });

  it("rejects a bad parameter with a message naming it", () => {
    expect(() => createWorld({ items: 0 })).toThrow(InvalidArgument);
    expect(() => createWorld({ items: 0 })).toThrow(/"items" must be in \[2, 1000000\], got 0/);
    expect(() => createWorld({ dim: 3.5 })).toThrow(/"dim" must be a whole number/);
    expect(() => createWorld({ colours: 3 } as never)).toThrow(/unknown world parameter "colours"/);
  });
});

describe("the ground-truth click model", () => {
  const world = createWorld(SMALL_WORLD, 42);
  const sample = decisions(world, 300);

  it("keeps click probabilities in [0, 1], mostly low, the top ones around 0.5", () => {
    const all = sample.flatMap((d) =>
      world.items.map((item) => clickProbability(world, d.session, item, 0, d.context)),
    );
    all.sort((a, b) => a - b);
    expect(all[0]).toBeGreaterThanOrEqual(0);
    expect(all[all.length - 1]).toBeLessThanOrEqual(1);
    expect(all[Math.floor(all.length / 2)]).toBeLessThan(0.05);
    expect(all[Math.floor(all.length * 0.99)]).toBeLessThan(0.6);
    expect(all[Math.floor(all.length * 0.99)]).toBeGreaterThan(0.1);
  });

  it("gives items of the session's intent category a far higher click probability", () => {
    let on = 0;
    let onCount = 0;
    let off = 0;
    let offCount = 0;
    for (const d of sample) {
      for (const item of world.items) {
        const p = clickProbability(world, d.session, item, 0, d.context);
        if (item.category === d.session.intent) {
          on += p;
          onCount++;
        } else {
          off += p;
          offCount++;
        }
      }
    }
    expect(on / onCount).toBeGreaterThan(5 * (off / offCount));
  });

  it("lowers the click probability further down the slate", () => {
    const d = sample[0]!;
    const item = world.items[0]!;
    const atTop = clickProbability(world, d.session, item, 0, d.context);
    expect(clickProbability(world, d.session, item, 1, d.context)).toBeCloseTo(atTop / 2, 12);
    expect(clickProbability(world, d.session, item, 4, d.context)).toBeCloseTo(atTop / 5, 12);
  });

  it("lets the context shift click rates differently per item (something for context×attribute crosses)", () => {
    const d = sample[0]!;
    const ratios = world.items.slice(0, 40).map((item) => {
      const mobile = clickProbability(world, d.session, item, 0, { device: "mobile", page: "home" });
      const desktop = clickProbability(world, d.session, item, 0, { device: "desktop", page: "cart" });
      return mobile / desktop;
    });
    expect(Math.max(...ratios) / Math.min(...ratios)).toBeGreaterThan(1.5);
  });

  it("agrees with its explained logit parts", () => {
    for (const d of sample.slice(0, 20)) {
      const item = world.items[d.step % world.items.length]!;
      const parts = clickLogitParts(world, d.session, item, d.context);
      const z = parts.base + parts.intent + parts.taste + parts.context + parts.quality;
      expect(clickProbability(world, d.session, item, 0, d.context)).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
    }
  });

  it("names the oracle's best candidate and converts on-intent clicks to carts more often", () => {
    const d = sample[3]!;
    const candidates = world.items.slice(0, 60).map((i) => i.index);
    const best = oracleChoice(world, d.session, d.context, candidates);
    for (const index of candidates)
      expect(clickProbability(world, d.session, world.items[index]!, 0, d.context)).toBeLessThanOrEqual(
        best.clickProbability,
      );
    const onIntent = world.items.find((i) => i.category === d.session.intent)!;
    const offIntent = world.items.find((i) => dot(i.embedding, world.centroids[d.session.intent]!) < 0)!;
    const conversionOn = conversionProbabilities(world, d.session, onIntent);
    const conversionOff = conversionProbabilities(world, d.session, offIntent);
    expect(conversionOn.addToCart).toBeGreaterThan(conversionOff.addToCart);
    expect(conversionOn.purchaseGivenAddToCart).toBeGreaterThan(0);
    expect(conversionOn.purchaseGivenAddToCart).toBeLessThanOrEqual(1);
  });
});
