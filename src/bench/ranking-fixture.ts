import { gaussian, seededRandom, type Random } from "../bandit/rng";
import type * as Features from "../bandit/features";
import type * as Candidates from "../engine/candidates";
import type * as Mirror from "../engine/catalog-mirror";
import type * as Signals from "../engine/item-signals";
import type * as Model from "../engine/model";
import type * as Ranker from "../engine/ranker";

/** The modules a Recommend's ranking is made of: this checkout's, or another's loaded by path. */
export interface RankingApi {
  hashContext: typeof Features.hashContext;
  selectCandidateIndices: typeof Candidates.selectCandidateIndices;
  CatalogMirror: typeof Mirror.CatalogMirror;
  OnlineModel: typeof Model.OnlineModel;
  rankSlate: typeof Ranker.rankSlate;
  RankBuffers: typeof Ranker.RankBuffers;
  /** Absent in checkouts from before φ had item signals. */
  itemSignals?: typeof Signals.itemSignals;
}

/** A checkout's ranking modules, imported from its `src`. */
export async function rankingApiAt(checkout: string): Promise<RankingApi> {
  const { hashContext } = await import(`${checkout}/src/bandit/features.ts`);
  const { selectCandidateIndices } = await import(`${checkout}/src/engine/candidates.ts`);
  const { CatalogMirror } = await import(`${checkout}/src/engine/catalog-mirror.ts`);
  const { OnlineModel } = await import(`${checkout}/src/engine/model.ts`);
  const { rankSlate, RankBuffers } = await import(`${checkout}/src/engine/ranker.ts`);
  const itemSignals = await import(`${checkout}/src/engine/item-signals.ts`).then(
    (m) => m.itemSignals,
    () => undefined,
  );
  return { hashContext, selectCandidateIndices, CatalogMirror, OnlineModel, rankSlate, RankBuffers, itemSignals };
}

export function unitVector(rng: Random, d: number): Float32Array {
  const v = Float32Array.from({ length: d }, () => gaussian(rng));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * A Recommend's retrieval + ranking as the service runs it (`selectCandidateIndices` then `rankSlate`
 * on the service's φ, H = 64): a 10,000-item catalog, d = 32, 200 retrieved + popular candidates,
 * k = 10, over 64 requests in turn. `train()` updates the model with every request's served slots
 * 30 times over, after which most candidates hold per-item statistics (steady state).
 */
export function rankingFixture(api: RankingApi) {
  const rng = seededRandom(5);
  const d = 32;
  const catalog = new api.CatalogMirror(d);
  catalog.apply(
    Array.from({ length: 10_000 }, (_, i) => ({
      itemId: `item-${i}`,
      embedding: unitVector(rng, d),
      category: `cat-${i % 20}`,
      attributes: { brand: `brand-${i % 50}`, price_band: ["low", "mid", "high"][i % 3]! },
      available: true,
    })),
  );
  const model = api.OnlineModel.create({ dim: d, alpha: 0.25 });
  const buffers = new api.RankBuffers(model.spec);
  const devices = ["mobile", "desktop", "tablet"];
  const pages = ["home", "product", "cart"];
  const requests = Array.from({ length: 64 }, (_, i) => ({
    session: unitVector(rng, d),
    longTerm: i % 3 === 0 ? null : unitVector(rng, d),
    context: { device: devices[i % 3]!, page: pages[Math.floor(i / 3) % 3]! },
  }));
  let next = 0;
  /** Ranks the next request; `candidates` are the items it scored. */
  const rank = () => {
    const r = requests[next++ % requests.length]!;
    const input = {
      userId: "u",
      sessionId: "s",
      k: 10,
      context: r.context,
      candidateIds: [],
      excludeIds: [],
      category: "",
    };
    const indices = api.selectCandidateIndices(catalog, input, [], r.session, r.longTerm, {
      retrieve: 200,
      excludeSessionItems: true,
    });
    const candidates = indices.map((index) => catalog.at(index));
    const signals = api.itemSignals?.(catalog, indices, [], r.session, r.longTerm);
    const slots = api.rankSlate(
      model.bandit,
      model.spec,
      {
        candidates,
        rows: { indices, embeddings: catalog.embeddingRows() },
        session: r.session,
        longTerm: r.longTerm,
        context: api.hashContext(r.context),
        signals,
        k: 10,
        epsilon: 0.05,
        rng,
      },
      buffers,
    );
    return { slots, candidates };
  };
  const train = () => {
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < requests.length; i++) {
        for (const slot of rank().slots)
          model.bandit.update(
            slot.item.itemId,
            Float64Array.from(slot.shared),
            Float64Array.from(slot.arm),
            rng() < 0.1 ? 1 : 0,
          );
      }
    }
  };
  return { model, rank, train, dim: d };
}
