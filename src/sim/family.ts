import type { Config } from "../config";
import { drawFamily, type FamilyWorld } from "../world/family";
import { simulate, type SimulationOptions, type SimulationResult } from "./simulate";

export interface FamilyOptions extends Omit<SimulationOptions, "world" | "seed" | "onProgress"> {
  /** Worlds to draw. */
  worlds: number;
  /** Seed of the family (which worlds are drawn). */
  familySeed?: number;
  engine?: Partial<Config>;
  /** Called after each world. */
  onWorld?: (world: FamilyWorld, result: SimulationResult) => void;
  /** Called within a world, as `simulate`'s onProgress. */
  onProgress?: (world: FamilyWorld, done: number, total: number) => void;
}

export interface FamilyRow {
  world: FamilyWorld;
  result: SimulationResult;
}

/** Every world of the family simulated in turn, on the same engine settings. */
export async function simulateFamily(options: FamilyOptions): Promise<FamilyRow[]> {
  const rows: FamilyRow[] = [];
  for (const world of drawFamily(options.worlds, options.familySeed ?? 1)) {
    const result = await simulate({
      ...options,
      world: world.params,
      seed: world.seed,
      onProgress: (done, total) => options.onProgress?.(world, done, total),
    });
    options.onWorld?.(world, result);
    rows.push({ world, result });
  }
  return rows;
}

/** One policy's three headline figures in a world. */
export interface PolicyFigures {
  gapClosed: number;
  intentShareAfterIntentClick: number;
  first500: number;
}

/** The figures of a policy, by name prefix ("engine", "similarity", ...). */
export function figuresOf(result: SimulationResult, prefix: string): PolicyFigures {
  const p = result.policies.find((policy) => policy.name.startsWith(prefix));
  if (!p) throw new RangeError(`no policy named ${prefix}… in the simulation`);
  return { gapClosed: p.gapClosed, intentShareAfterIntentClick: p.intentShareAfterIntentClick, first500: p.first500 };
}
