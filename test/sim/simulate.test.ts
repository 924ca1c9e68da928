import { describe, expect, it } from "vitest";
import { simulate } from "../../src/sim/simulate";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, type StoreKind } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

describe.each(kinds)("recs simulate on a small synthetic storefront (%s stores)", (kind) => {
  it("learns: beats random, popularity and a context-free bandit clearly, and follows the session's intent after an organic click", async ({ skip }) => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage(kind);
    try {
      const result = await simulate({
        world: { items: 400, dim: 16, categories: 8, users: 600, brands: 20 },
        decisions: 1500,
        k: 5,
        windows: 10,
        seed: 7,
        stores: { databaseUrl: storage.overrides.databaseUrl, redisUrl: storage.overrides.redisUrl, redisPrefix: storage.overrides.redisPrefix },
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
