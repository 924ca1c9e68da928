import { userInfo } from "node:os";
import type { Config } from "../config";
import { parseSurfaceSettings } from "../engine/surface-settings";
import type { SurfacePolicy } from "../engine/surfaces";
import type { DurableStores, SurfaceSettingsRecord } from "../state/ports";
import { openDurable } from "./data-commands";
import type { EvaluateIo } from "./evaluate-command";

export const defaultIo: EvaluateIo = { out: (text) => console.log(text), progress: process.stderr, env: process.env };

/** Runs `fn` on the migrated durable stores the environment names, closing them after. */
export async function withStores<T>(
  io: EvaluateIo,
  fn: (durable: DurableStores, config: Config) => Promise<T>,
): Promise<T> {
  const { config, durable } = await openDurable(io.env);
  try {
    await durable.migrate();
    return await fn(durable, config);
  } finally {
    await durable.close();
  }
}

/** A surface's settings as one line: α, ε, then the switches and cap that differ from the defaults. */
export function describeSettings(settings: SurfacePolicy): string {
  return (
    `alpha=${settings.alpha}, epsilon=${settings.epsilon}` +
    (settings.session === false ? ", session=off" : "") +
    (settings.longTerm === false ? ", longterm=off" : "") +
    (settings.maxPerCategory ? `, max_per_category=${settings.maxPerCategory}` : "")
  );
}

/** The settings in force: the newest record's, else the environment's. */
export function inForce(history: readonly SurfaceSettingsRecord[], config: Config): SurfacePolicy {
  return history[0] ? parseSurfaceSettings(history[0].settings) : { alpha: config.alpha, epsilon: config.epsilon };
}

export const author = (given: string | undefined, env: NodeJS.ProcessEnv) => given ?? env.USER ?? userInfo().username;
