/**
 * A/B of a Recommend's retrieval + ranking between two checkouts of this repository, loaded into one
 * process and timed in alternation (30 pairs of 200 requests), so a host whose speed drifts by tens of
 * percent within minutes still gives a usable ratio. Each side builds the same 10,000-item catalog
 * (d = 32) and ranks the same requests as `bench:micro`'s last lines do; STEADY=1 first trains the
 * model until most candidates hold per-item statistics. Both checkouts need their node_modules (a
 * symlink to this one's is enough) and the ranking API of commit fe0feab or later.
 *
 *   git worktree add /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   npx tsx bench/ab-ranking.ts /tmp/old "$PWD"      # prints each side's median µs and the median ratio
 */
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { gaussian, seededRandom, type Random } from "../src/bandit/rng";

type Tree = { dir: string; run: () => void };

function unitVector(rng: Random, d: number): Float32Array {
  const v = Float32Array.from({ length: d }, () => gaussian(rng));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** One checkout's ranking of a request, as a function that ranks the next request each call. */
async function setup(dir: string, steady: boolean): Promise<() => void> {
  const { hashContext } = await import(`${dir}/src/bandit/features.ts`);
  const { selectCandidateIndices } = await import(`${dir}/src/engine/candidates.ts`);
  const { CatalogMirror } = await import(`${dir}/src/engine/catalog-mirror.ts`);
  const { OnlineModel } = await import(`${dir}/src/engine/model.ts`);
  const { rankSlate, RankBuffers } = await import(`${dir}/src/engine/ranker.ts`);
  const rng = seededRandom(5);
  const d = 32;
  const catalog = new CatalogMirror(d);
  catalog.apply(
    Array.from({ length: 10_000 }, (_, i) => ({
      itemId: `item-${i}`,
      embedding: unitVector(rng, d),
      category: `cat-${i % 20}`,
      attributes: { brand: `brand-${i % 50}`, price_band: ["low", "mid", "high"][i % 3]! },
      available: true,
    })),
  );
  const model = OnlineModel.create({ dim: d, alpha: 0.25 });
  const buffers = new RankBuffers(model.spec);
  const devices = ["mobile", "desktop", "tablet"];
  const pages = ["home", "product", "cart"];
  const requests = Array.from({ length: 64 }, (_, i) => ({
    session: unitVector(rng, d),
    longTerm: i % 3 === 0 ? null : unitVector(rng, d),
    context: { device: devices[i % 3]!, page: pages[Math.floor(i / 3) % 3]! },
  }));
  let next = 0;
  const rank = () => {
    const r = requests[next++ % requests.length]!;
    const input = { userId: "u", sessionId: "s", k: 10, context: r.context, candidateIds: [], excludeIds: [], category: "" };
    const indices: number[] = selectCandidateIndices(catalog, input, [], r.session, r.longTerm, { retrieve: 200, excludeSessionItems: true });
    const candidates = indices.map((index) => catalog.at(index));
    const popularityLift = new Float64Array(indices.length);
    for (let c = 0; c < indices.length; c++) popularityLift[c] = catalog.popularityLift(indices[c]!);
    return rankSlate(
      model.bandit,
      model.spec,
      { candidates, rows: { indices, embeddings: catalog.embeddingRows() }, session: r.session, longTerm: r.longTerm, context: hashContext(r.context), popularityLift, k: 10, epsilon: 0.05, rng },
      buffers,
    );
  };
  if (steady) {
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < requests.length; i++) {
        for (const slot of rank()) model.bandit.update(slot.item.itemId, Float64Array.from(slot.shared), Float64Array.from(slot.arm), rng() < 0.1 ? 1 : 0);
      }
    }
  }
  return () => void rank();
}

function microsPerCall(run: () => void, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) run();
  return ((performance.now() - start) * 1000) / calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error("usage: npx tsx bench/ab-ranking.ts OLD_CHECKOUT NEW_CHECKOUT");
  process.exit(2);
}
const steady = process.env.STEADY === "1";
const trees: Tree[] = [];
for (const dir of [resolve(a), resolve(b)]) trees.push({ dir, run: await setup(dir, steady) });
for (const tree of trees) microsPerCall(tree.run, 500); // warm-up
const old: number[] = [];
const now: number[] = [];
const ratios: number[] = [];
for (let pair = 0; pair < 30; pair++) {
  const x = microsPerCall(trees[0]!.run, 200);
  const y = microsPerCall(trees[1]!.run, 200);
  old.push(x);
  now.push(y);
  ratios.push(y / x);
}
console.log(
  `${steady ? "steady state" : "fresh model"}: ${trees[0]!.dir} ${median(old).toFixed(1)} µs, ${trees[1]!.dir} ${median(now).toFixed(1)} µs per request; median ratio (second / first) ${median(ratios).toFixed(3)}`,
);
