import { describe, expect, it } from "vitest";
import { decodeHybridState } from "../../src/bandit/hybrid-snapshot";
import { OnlineModel } from "../../src/engine/model";
import { restoreSurfaces } from "../../src/engine/model-persistence";
import { silentLogger } from "../../src/log";
import type { ModelUpdate } from "../../src/state/ports";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { expectSameStatistics } from "../helpers/model-statistics";
import { feedback } from "../state/durable/fixtures";

const DIM = 4;
const options = {
  model: { dim: DIM, alpha: 0.25 },
  policy: { alpha: 0.25, epsilon: 0.03 },
  maxSurfaces: 4,
};
const spec = OnlineModel.create(options.model).spec;

function update(surface: string, seed: number): ModelUpdate {
  const vector = (length: number, offset: number) =>
    Float32Array.from({ length }, (_, i) => Math.fround(Math.sin(seed * 3.7 + i + offset) / 4));
  return {
    surface,
    itemId: `item-${seed % 3}`,
    shared: vector(spec.sharedDim, 0),
    arm: vector(spec.armDim, 50),
    reward: seed % 2,
  };
}

const statisticsOf = (model: OnlineModel) => decodeHybridState(model.bandit.exportState());

describe("restoreSurfaces", () => {
  it("replays from the oldest snapshot, each row to its surface unless that surface's snapshot holds it", async () => {
    const durable = await openPostgresStores({ memory: true, embeddingDim: DIM });
    try {
      await durable.migrate();
      const expected = {
        default: OnlineModel.create({ ...options.model }),
        home: OnlineModel.create({ ...options.model, surface: "home" }),
      };
      let n = 0;
      const log = async (surface: "default" | "home") => {
        const u = update(surface, ++n);
        await durable.events.appendFeedback([feedback(`e${n}`, { modelUpdate: u, recommendationId: `r${n}` })]);
        expected[surface].apply(u);
      };
      const snapshot = async (surface: "default" | "home") =>
        durable.snapshots.save({
          surface,
          modelVersion: expected[surface].version,
          eventSeq: await durable.events.latestSeq(),
          createdAtMs: Date.now(),
          data: expected[surface].exportSnapshot(),
        });
      await log("default");
      await log("home");
      await snapshot("home");
      await snapshot("default");
      await log("default");
      await log("home");
      // default's newest snapshot is later than home's: replay starts at home's, skipping default's rows up to its own.
      await snapshot("default");
      await log("home");
      await log("default");

      const restored = await restoreSurfaces(durable.snapshots, durable.events, options, silentLogger);
      expect(restored.replayed).toBe(3);
      expect(restored.surfaces.all().map((s) => s.name)).toEqual(["default", "home"]);
      for (const name of ["default", "home"] as const) {
        const model = restored.surfaces.get(name)!.model;
        expect(model.version).toBe(expected[name].version);
        expectSameStatistics(statisticsOf(model), statisticsOf(expected[name]));
      }

      // From the log alone (no snapshot), the same.
      const fromLog = await restoreSurfaces(
        { latestPerSurface: async () => [] },
        durable.events,
        options,
        silentLogger,
      );
      expect(fromLog.replayed).toBe(6);
      for (const name of ["default", "home"] as const)
        expectSameStatistics(statisticsOf(fromLog.surfaces.get(name)!.model), statisticsOf(expected[name]));
    } finally {
      await durable.close();
    }
  });
});
