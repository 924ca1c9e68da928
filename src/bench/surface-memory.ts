/**
 * What one surface costs in memory (docs/surfaces.md): `npm run bench:surfaces` creates surfaces' models
 * at a dimension (default 32) and reports the bytes of their statistics and the process memory they
 * take, fresh and with per-item statistics for `ITEMS` items. Run with --expose-gc for steady figures.
 */
import { OnlineModel } from "../engine/model";

const DIM = Number(process.argv[2] ?? 32);
const SURFACES = 16;
const ITEMS = 1_000;

function settle(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const before = settle();
const models = Array.from({ length: SURFACES }, (_, i) =>
  OnlineModel.create({ dim: DIM, alpha: 0.25, surface: `s${i}` }),
);
const after = settle();
const model = models[0]!;
const fresh = model.exportSnapshot().length;
const perSurface = (key: "rss" | "external" | "heapUsed") => (after[key] - before[key]) / SURFACES;
console.log(`dimension ${DIM}: φ shared ${model.spec.sharedDim}, per item ${model.spec.armDim}`);
console.log(`fresh surface: statistics ${kib(fresh)} (snapshot), A0 + A0⁻¹ ${kib(2 * 8 * model.spec.sharedDim ** 2)}`);
console.log(
  `  process, per surface: external (WebAssembly memory) ${kib(perSurface("external"))}, ` +
    `rss ${kib(perSurface("rss"))}, heap ${kib(perSurface("heapUsed"))}`,
);
// Scoring a Recommend's candidates (RECS_CANDIDATES, default 200) grows each model's kernel memory once.
const CANDIDATES = 200;
const beforeScoring = settle();
for (const each of models) {
  const ids = Array.from({ length: CANDIDATES }, (_, i) => `c${i}`);
  const out = {
    mean: new Float64Array(CANDIDATES),
    bonus: new Float64Array(CANDIDATES),
    ucb: new Float64Array(CANDIDATES),
  };
  each.bandit.scoreMany(
    ids,
    new Float64Array(CANDIDATES * each.spec.sharedDim).fill(0.01),
    new Float64Array(CANDIDATES * each.spec.armDim).fill(0.1),
    out,
  );
}
const afterScoring = settle();
console.log(
  `  after scoring ${CANDIDATES} candidates, per surface: external ` +
    `${kib(perSurface("external") + (afterScoring.external - beforeScoring.external) / SURFACES)}`,
);
const shared = new Float32Array(model.spec.sharedDim).fill(0.01);
const arm = new Float32Array(model.spec.armDim).fill(0.1);
const beforeItems = settle();
for (let i = 0; i < ITEMS; i++) model.apply({ itemId: `item-${i}`, shared, arm, reward: 1 });
const afterItems = settle();
const itemBytes = (model.exportSnapshot().length - fresh) / ITEMS;
const itemMemory =
  (afterItems.heapUsed +
    afterItems.arrayBuffers +
    afterItems.external -
    (beforeItems.heapUsed + beforeItems.arrayBuffers + beforeItems.external)) /
  ITEMS;
console.log(`per item with its own statistics: ${kib(itemBytes)} (snapshot), ${kib(itemMemory)} in memory`);
console.log(`at most ${model.bandit.maxArms} items per surface: ${kib(model.bandit.maxArms * itemMemory)} at most`);
