import { describe, expect, it } from "vitest";
import { SettingsFollower } from "../../src/engine/surface-settings";
import { SurfaceModels } from "../../src/engine/surfaces";
import { silentLogger } from "../../src/log";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";

const note = { reason: "test", author: "t", forced: false };

describe("SettingsFollower", () => {
  it("applies each record once, in order, to its surface (now or when created), skipping a bad one", async () => {
    const durable = await openPostgresStores({ memory: true, embeddingDim: 4 });
    try {
      await durable.migrate();
      const surfaces = new SurfaceModels({ dim: 4, alpha: 0.25 }, { alpha: 0.25, epsilon: 0.03 }, 4);
      const follower = new SettingsFollower(durable.settings, surfaces, silentLogger);
      expect(await follower.catchUp()).toBe(0);

      await durable.settings.append("default", { alpha: 0.5, epsilon: 0.1 }, note);
      await durable.settings.append("default", { alpha: "wide", epsilon: 0.1 }, note);
      await durable.settings.append("home", { alpha: 1, epsilon: 0 }, note);
      expect(await follower.catchUp()).toBe(2);
      const main = surfaces.defaultSurface;
      // v2 did not parse: v1 stays in force.
      expect([main.settingsVersion, main.policy, main.model.bandit.alpha]).toEqual([
        1,
        { alpha: 0.5, epsilon: 0.1 },
        0.5,
      ]);
      expect(surfaces.get("home")).toBeUndefined();
      const home = surfaces.forRequest("home");
      expect([home.settingsVersion, home.policy.epsilon, home.model.bandit.alpha]).toEqual([1, 0, 1]);
      // A surface with no record runs with the environment's settings.
      expect(surfaces.forRequest("cart").policy).toEqual({ alpha: 0.25, epsilon: 0.03 });

      expect(await follower.catchUp()).toBe(0);
      await durable.settings.append("default", { alpha: 0.1, epsilon: 0 }, note);
      expect(await follower.catchUp()).toBe(1);
      expect([main.settingsVersion, main.model.bandit.alpha]).toEqual([3, 0.1]);
      expect((await durable.settings.history("default")).map((r) => r.version)).toEqual([3, 2, 1]);
    } finally {
      await durable.close();
    }
  });
});
