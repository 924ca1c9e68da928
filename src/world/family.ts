import type { WorldParams } from "./params";
import { createRandom, type Random } from "./random";

/** A world drawn from the family: its parameters, and a short description of what kind it is. */
export interface FamilyWorld {
  /** 0-based position in the family. */
  index: number;
  /** The seed of the world itself (catalog, shoppers, clicks). */
  seed: number;
  params: Partial<WorldParams>;
  /** e.g. "noisy, no context, low CTR, session-heavy". */
  kind: string;
}

/**
 * The ranges the family is drawn from: what real storefronts differ in. Each world draws every range
 * independently; the first worlds of a family are pinned to the corners the engine must not lose in
 * (noisy embeddings with no context and a low click rate, a taste-heavy one, a clean one), so even a
 * family of 3 covers them.
 */
export const FAMILY_RANGES = {
  items: [500, 4000],
  itemsPerCategory: [25, 250],
  dim: [16, 64],
  /** 0 (clean) to 1.6 (same-category cosine ≈ 0.2). */
  observationNoise: [0, 1.6],
  /** Random slate's click rate from ~0.5% to ~4%. */
  baseClickRate: [0.004, 0.03],
  intentStrength: [1.5, 4],
  tasteStrength: [0.5, 2],
  positionBias: [0.3, 1.6],
  browseRate: [0.4, 0.9],
  decisionsPerSession: [2, 6],
  /** Share of worlds whose requests carry context. */
  contextShare: 0.5,
} as const;

type Corner = Partial<WorldParams>;

/** The pinned first worlds, each a corner of the ranges. */
const CORNERS: Corner[] = [
  // Like the storefronts where the engine lost: noisy embeddings, no context, ~2% random CTR, intent-led.
  {
    items: 1500,
    categories: 16,
    dim: 32,
    observationNoise: 1.4,
    contextShown: 0,
    contextEffect: 0,
    baseClickRate: 0.012,
    intentStrength: 3.5,
    tasteStrength: 0.8,
  },
  // Taste-heavy shoppers, few items per category, low click rate, a steep position bias.
  {
    items: 800,
    categories: 32,
    dim: 16,
    observationNoise: 0.8,
    contextShown: 0,
    contextEffect: 0,
    baseClickRate: 0.005,
    intentStrength: 1.6,
    tasteStrength: 2,
    positionBias: 1.5,
  },
  // Clean embeddings, many items per category, context that matters, a flat position bias.
  {
    items: 3000,
    categories: 12,
    dim: 64,
    observationNoise: 0,
    contextShown: 1,
    contextEffect: 0.5,
    baseClickRate: 0.02,
    positionBias: 0.4,
  },
];

/** `count` worlds drawn from FAMILY_RANGES for a seed: the same seed, the same family. */
export function drawFamily(count: number, seed = 1): FamilyWorld[] {
  const rng = createRandom(`family:${seed}`);
  const worlds: FamilyWorld[] = [];
  for (let index = 0; index < count; index++) {
    const drawn = drawParams(rng.fork(`world:${index}`));
    const params = { ...drawn, ...(CORNERS[index] ?? {}) };
    worlds.push({ index, seed: seed * 1000 + index, params, kind: describe(params) });
  }
  return worlds;
}

function drawParams(rng: Random): Partial<WorldParams> {
  const r = FAMILY_RANGES;
  const uniform = ([lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng.next();
  const logUniform = ([lo, hi]: readonly [number, number]) => Math.exp(uniform([Math.log(lo), Math.log(hi)]));
  const items = Math.round(logUniform(r.items));
  const categories = Math.max(2, Math.round(items / logUniform(r.itemsPerCategory)));
  const contextShown = rng.chance(r.contextShare) ? 1 : 0;
  return {
    items,
    categories,
    dim: [16, 32, 64][rng.int(3)]!,
    users: 3000,
    observationNoise: uniform(r.observationNoise),
    baseClickRate: logUniform(r.baseClickRate),
    intentStrength: uniform(r.intentStrength),
    tasteStrength: uniform(r.tasteStrength),
    positionBias: uniform(r.positionBias),
    browseRate: uniform(r.browseRate),
    decisionsPerSession: uniform(r.decisionsPerSession),
    contextShown,
    contextEffect: contextShown ? 0.3 : 0,
  };
}

function describe(p: Partial<WorldParams>): string {
  const parts = [
    (p.observationNoise ?? 0) >= 1 ? "noisy" : (p.observationNoise ?? 0) > 0.3 ? "some noise" : "clean",
    p.contextShown === 0 ? "no context" : "context",
    (p.baseClickRate ?? 0.01) < 0.008 ? "low CTR" : (p.baseClickRate ?? 0.01) > 0.018 ? "high CTR" : "mid CTR",
    (p.intentStrength ?? 3) / Math.max(p.tasteStrength ?? 1.2, 1e-9) >= 2.5
      ? "session-heavy"
      : (p.intentStrength ?? 3) / (p.tasteStrength ?? 1.2) < 1.3
        ? "taste-heavy"
        : "balanced",
    `${Math.round((p.items ?? 2000) / (p.categories ?? 20))}/cat`,
  ];
  return parts.join(", ");
}
