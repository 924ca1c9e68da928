/**
 * Micro-benchmark of the bandit hot paths: scoring 100 candidates and applying updates, for LinUCB
 * (feature dim d) and hybrid LinUCB with the real feature layout (shared dim 2d + H + 3, arm dim 3),
 * plus building those features; then a whole Recommend ranking as the service runs it. Prints medians
 * over several repetitions.
 *
 *   npm run bench:micro
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { allocateFeatures, buildFeatures, featureLayout, hashContext, type FeatureItem } from "../bandit/features";
import { HybridLinUCB } from "../bandit/hybrid";
import { LinUCB } from "../bandit/linucb";
import { selectCandidateIndices } from "../engine/candidates";
import { CatalogMirror } from "../engine/catalog-mirror";
import { itemSignals } from "../engine/item-signals";
import { OnlineModel } from "../engine/model";
import { rankSlate, RankBuffers } from "../engine/ranker";
import { gaussian, seededRandom } from "../bandit/rng";
import { rankingFixture, unitVector } from "./ranking-fixture";

const CANDIDATES = 100;
const HASH_BUCKETS = 32;
const REPETITIONS = 7;
const TARGET_MS = 150;
const DIMS = [16, 32, 64];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median microseconds per call of `run`, each repetition running long enough to time reliably. */
function measure(run: () => void): number {
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) run();
    if (performance.now() - start > TARGET_MS / 4) break;
    iterations *= 2;
  }
  iterations *= 4;
  const perCall: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) run();
    perCall.push(((performance.now() - start) * 1000) / iterations);
  }
  return median(perCall);
}

interface Row {
  model: string;
  d: number;
  sharedDim: number;
  scoreMicros: number;
  updateMicros: number;
  featureMicros: number | null;
}

function benchLinUCB(d: number): Row {
  const rng = seededRandom(d);
  const model = new LinUCB({ dim: d, alpha: 0.5 });
  const xs = Float64Array.from({ length: CANDIDATES * d }, () => gaussian(rng) * 0.3);
  for (let i = 0; i < 2000; i++) model.update(xs, rng() < 0.2 ? 1 : 0, (i % CANDIDATES) * d);
  const out = {
    mean: new Float64Array(CANDIDATES),
    bonus: new Float64Array(CANDIDATES),
    ucb: new Float64Array(CANDIDATES),
  };
  const scoreMicros = measure(() => model.scoreMany(xs, CANDIDATES, out));
  let next = 0;
  const updateMicros = measure(() => {
    model.update(xs, next & 1, (next % CANDIDATES) * d);
    next++;
  });
  return { model: "LinUCB", d, sharedDim: d, scoreMicros, updateMicros, featureMicros: null };
}

function benchHybrid(d: number): Row {
  const rng = seededRandom(1000 + d);
  const spec = featureLayout({ dim: d, hashBuckets: HASH_BUCKETS });
  const model = new HybridLinUCB({ sharedDim: spec.sharedDim, armDim: spec.armDim, alpha: 0.5 });
  const catalog: Array<FeatureItem & { itemId: string }> = Array.from({ length: 500 }, (_, i) => ({
    itemId: `item-${i}`,
    embedding: unitVector(rng, d),
    category: `category-${i % 12}`,
    attributes: { brand: `brand-${i % 40}`, colour: `colour-${i % 9}`, size: `size-${i % 5}` },
  }));
  const session = unitVector(rng, d);
  const longTerm = unitVector(rng, d);
  const context = hashContext({ page: "home", device: "mobile", country: "NL" });
  // Candidates 0..99 of a 500-item catalog; warm-up updates hit items 0..249, so half have per-item state.
  const candidates = catalog.slice(0, CANDIDATES);
  const itemIds = candidates.map((item) => item.itemId);
  const { z, x } = allocateFeatures(spec, CANDIDATES);
  const build = (): void => {
    for (let c = 0; c < CANDIDATES; c++) buildFeatures(spec, session, longTerm, context, candidates[c]!, z, x, c);
  };
  build();
  const one = allocateFeatures(spec, 1);
  for (let i = 0; i < 3000; i++) {
    const item = catalog[(i * 7) % 250]!;
    buildFeatures(spec, unitVector(rng, d), longTerm, context, item, one.z, one.x, 0);
    model.update(item.itemId, one.z, one.x, rng() < 0.2 ? 1 : 0);
  }
  const out = {
    mean: new Float64Array(CANDIDATES),
    bonus: new Float64Array(CANDIDATES),
    ucb: new Float64Array(CANDIDATES),
  };
  const featureMicros = measure(build);
  const scoreMicros = measure(() => model.scoreMany(itemIds, z, x, out));
  let next = 0;
  const updateMicros = measure(() => {
    const c = next % CANDIDATES;
    model.update(itemIds[c]!, z, x, next & 1, c * spec.sharedDim, c * spec.armDim);
    next++;
  });
  return { model: "HybridLinUCB", d, sharedDim: spec.sharedDim, scoreMicros, updateMicros, featureMicros };
}

const rows: Row[] = [];
for (const d of DIMS) rows.push(benchLinUCB(d));
for (const d of DIMS) rows.push(benchHybrid(d));

const fmt = (n: number, digits = 1): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = [
  [
    "model",
    "d",
    "shared dim",
    "score 100 (µs)",
    "100-candidate scores/s",
    "update (µs)",
    "updates/s",
    "features 100 (µs)",
  ],
  ...rows.map((r) => [
    r.model,
    String(r.d),
    String(r.sharedDim),
    fmt(r.scoreMicros),
    fmt(1e6 / r.scoreMicros, 0),
    fmt(r.updateMicros, 2),
    fmt(1e6 / r.updateMicros, 0),
    r.featureMicros === null ? "-" : fmt(r.featureMicros),
  ]),
];
const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
// Other processes on the machine skew every figure; the load average says how much to trust them.
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
console.log(
  `Node ${process.version}; ${CANDIDATES} candidates, H = ${HASH_BUCKETS}, arm dim 3; ` +
    `medians of ${REPETITIONS} repetitions; load average ${load}`,
);
for (const [i, row] of table.entries()) {
  console.log(row.map((cell, col) => (col < 1 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join("  "));
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}

/**
 * A Recommend's ranking as the service runs it (`selectCandidateIndices` then `rankSlate` on the
 * service's φ, H = 64): a 10,000-item catalog, d = 32, 200 retrieved + popular candidates, k = 10.
 * Once with a fresh model and once after updates gave most candidates per-item statistics (steady
 * state): such an item costs n² instead of the factored path's m² + a few·m.
 */
function benchRanking(): void {
  const {
    model,
    rank: rankNext,
    train,
    dim: d,
  } = rankingFixture({
    hashContext,
    selectCandidateIndices,
    CatalogMirror,
    OnlineModel,
    rankSlate,
    RankBuffers,
    itemSignals,
  });
  let withStats = 0;
  let scored = 0;
  const rank = () => {
    const { slots, candidates } = rankNext();
    for (const item of candidates) if (model.bandit.hasArm(item.itemId)) withStats++;
    scored += candidates.length;
    return slots;
  };
  const lines: string[] = [];
  for (const phase of ["fresh model", "steady state"]) {
    // Every request's served items updated a few times over: most candidates now hold statistics.
    if (phase === "steady state") train();
    withStats = 0;
    scored = 0;
    const micros = measure(() => void rank());
    lines.push(
      `  ${phase.padEnd(12)}  ${fmt(micros).padStart(8)} µs per request  ` +
        `(${fmt((100 * withStats) / Math.max(1, scored), 0)}% of candidates hold per-item statistics)`,
    );
  }
  console.log(
    `\nRecommend ranking (retrieval + φ + hybrid LinUCB + slate; 10,000 items, d = ${d}, H = 64, ` +
      `~250 candidates, k = 10):`,
  );
  for (const line of lines) console.log(line);
}

benchRanking();
