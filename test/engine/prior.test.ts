import { describe, expect, it } from "vitest";
import { hashContext } from "../../src/bandit/features";
import { seededRandom } from "../../src/bandit/rng";
import { CatalogMirror } from "../../src/engine/catalog-mirror";
import { itemSignals } from "../../src/engine/item-signals";
import { OnlineModel } from "../../src/engine/model";
import { rankSlate } from "../../src/engine/ranker";
import { sessionVector } from "../../src/engine/session-vector";
import type { CatalogItem, SessionEvent } from "../../src/state/ports";

const DIM = 8;

/** Items in 4 categories whose embeddings are noisy views of the category direction. */
function noisyCatalog(): CatalogMirror {
  const rng = seededRandom(3);
  const items: CatalogItem[] = [];
  for (let i = 0; i < 200; i++) {
    const category = i % 4;
    const embedding = Float32Array.from({ length: DIM }, (_, j) => (j === category ? 0.6 : 0) + (rng() - 0.5) * 1.2);
    items.push({ itemId: `i${i}`, embedding, category: `c${category}`, attributes: {}, available: true });
  }
  const mirror = new CatalogMirror(DIM);
  mirror.apply(items);
  return mirror;
}

function rank(model: OnlineModel, catalog: CatalogMirror, window: SessionEvent[], k = 10) {
  const indices = Array.from({ length: catalog.size }, (_, i) => i).filter(
    (i) => !window.some((e) => e.itemId === `i${i}`),
  );
  const session = sessionVector(window, catalog);
  return rankSlate(model.bandit, model.spec, {
    candidates: catalog.itemsAt(indices),
    session,
    longTerm: null,
    context: hashContext({}),
    signals: itemSignals(catalog, indices, window, session, null),
    k,
    epsilon: 0,
    rng: seededRandom(1),
  });
}

describe("a fresh model's prior", () => {
  const catalog = noisyCatalog();
  const clicked: SessionEvent[] = [{ itemId: "i6", type: "click", atMs: 1 }];

  it(
    "ranks by similarity to the session before any feedback: right after a click, " +
      "the slate is the clicked item's category",
    () => {
      const slots = rank(OnlineModel.create({ dim: DIM, alpha: 0.25 }), catalog, clicked);
      const clickedCategory = catalog.get("i6")!.category;
      expect(slots.filter((s) => s.item.category === clickedCategory)).toHaveLength(10);
      for (const slot of slots) expect(slot.expectedReward).toBeGreaterThan(0);
    },
  );

  it(
    "is what does it: with a zero prior every expected reward is 0 " +
      "and only the exploration bonus orders the slate",
    () => {
      const flat = OnlineModel.create({
        dim: DIM,
        alpha: 0.25,
        prior: { session: 0, longTerm: 0, popularity: 0, strength: 1 },
      });
      for (const slot of rank(flat, catalog, clicked)) expect(slot.expectedReward).toBe(0);
    },
  );

  it(
    "is corrected by feedback: where shoppers click away from their session's category, " + "the slate follows them",
    () => {
      const model = OnlineModel.create({ dim: DIM, alpha: 0 });
      const category = catalog.get("i6")!.category;
      for (let round = 0; round < 5; round++) {
        for (const slot of rank(model, catalog, clicked, 199)) {
          model.apply({
            itemId: slot.item.itemId,
            shared: slot.shared,
            arm: slot.arm,
            reward: slot.item.category === category ? 0 : 1,
          });
        }
      }
      expect(rank(model, catalog, clicked).filter((s) => s.item.category === category)).toHaveLength(0);
    },
  );
});
