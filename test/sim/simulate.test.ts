import { describe, expect, it } from "vitest";
import { figuresOf } from "../../src/sim/family";
import { simulate } from "../../src/sim/simulate";
import { drawFamily } from "../../src/world/family";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, type StoreKind } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

describe.each(kinds)("recs simulate on a small synthetic storefront (%s stores)", (kind) => {
  it("learns: beats random, popularity and a context-free bandit clearly, " +
    "and follows the session's intent after an organic click", async ({ skip }) => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage(kind);
    try {
      const result = await simulate({
        world: { items: 400, dim: 16, categories: 8, users: 600, brands: 20 },
        decisions: 1500,
        k: 5,
        windows: 10,
        seed: 7,
        stores: {
          databaseUrl: storage.overrides.databaseUrl,
          redisUrl: storage.overrides.redisUrl,
          redisPrefix: storage.overrides.redisPrefix,
        },
      });
      const rate = (prefix: string) => result.policies.find((p) => p.name.startsWith(prefix))!.secondHalf;
      const engine = rate("engine");
      expect(engine).toBeGreaterThan(2 * rate("random"));
      expect(engine).toBeGreaterThan(1.3 * rate("popularity"));
      expect(engine).toBeGreaterThan(1.5 * rate("context-free"));
      expect(engine).toBeLessThan(rate("oracle"));
      expect(result.gapClosed).toBeGreaterThan(0.2);
      // "Show me more like that": right after an organic click on the intent, the intent's share jumps.
      expect(result.intentShareAfterIntentClick).toBeGreaterThan(result.intentShareCold + 0.25);
      // Every shown item taught the model once: a click, or the default reward after the wait window.
      expect(result.engineModelUpdates).toBeGreaterThan(result.decisions * result.k * 0.9);
    } finally {
      await storage.drop();
    }
  }, 240_000);
});

describe.each(kinds)("learning that holds across storefronts (%s stores)", (kind) => {
  // Three unlike worlds, small enough for a test: noisy embeddings with no context; taste-heavy
  // shoppers with few items per category and a low click rate; clean embeddings with context.
  const worlds = drawFamily(3, 1).map((w) => ({
    ...w,
    params: { ...w.params, items: Math.min(w.params.items ?? 400, 400), users: 500 },
  }));

  it.each(worlds)(
    "world $index ($kind): beats the similarity baseline and follows the session after a click",
    async (world) => {
      if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) return;
      const storage = await createTestStorage(kind);
      try {
        const result = await simulate({
          world: world.params,
          seed: world.seed,
          decisions: 900,
          k: 5,
          windows: 6,
          stores: {
            databaseUrl: storage.overrides.databaseUrl,
            redisUrl: storage.overrides.redisUrl,
            redisPrefix: storage.overrides.redisPrefix,
          },
        });
        const engine = figuresOf(result, "engine");
        const similarity = figuresOf(result, "similarity");
        console.log(
          `world ${world.index} (${kind}): gap ${engine.gapClosed.toFixed(3)} ` +
            `vs ${similarity.gapClosed.toFixed(3)}, intent ${engine.intentShareAfterIntentClick.toFixed(3)} ` +
            `(cold ${result.intentShareCold.toFixed(3)})`,
        );
        expect(engine.gapClosed).toBeGreaterThan(similarity.gapClosed);
        // Right after an organic click the slate follows it: well above the share at a session's first
        // request, and a majority. (The 0.6 is for 10,000 requests; these 900 give a few hundred
        // slots after a click, and world 1 measured 0.60–0.68 over runs.)
        expect(engine.intentShareAfterIntentClick).toBeGreaterThan(Math.max(0.5, result.intentShareCold + 0.3));
      } finally {
        await storage.drop();
      }
    },
    240_000,
  );
});
