import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { runEvaluate } from "../../src/cli/evaluate-command";
import { runModelRollback } from "../../src/cli/surface-commands";
import { OnlineModel } from "../../src/engine/model";
import type { RecsClient } from "../../src/client/recs-client";
import { eventually } from "../helpers/eventually";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { codeOf, createTestStorage, startTestService, testCatalog, type StoreKind } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

/** A recommendation on `surface` and a click on its first item; returns the recommendation's model version. */
async function clickFirst(client: RecsClient, surface: string, n: number, user = "u-surf"): Promise<string> {
  const rec = await client.recommend({ userId: user, sessionId: `s-${user}`, k: 4, surface });
  await client.feedback({
    eventId: `click-${surface}-${n}-${user}`,
    userId: user,
    sessionId: `s-${user}`,
    itemId: rec.items[0]!.itemId,
    type: "CLICK",
    recommendationId: rec.recommendationId,
  });
  return rec.modelVersion;
}

describe.each(kinds)("surfaces (%s stores)", (kind) => {
  it("validates the name, caps the count, trains each surface apart and restores each from its snapshot", async ({
    skip,
  }) => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage(kind);
    try {
      let t = await startTestService(storage, { maxSurfaces: 3 });
      let checksums: Record<string, string>;
      try {
        await t.client.upsertItems(testCatalog(40));
        for (const bad of ["Home", "a b", "x".repeat(65), "é"]) {
          const refused = await codeOf(t.client.recommend({ userId: "u", sessionId: "s", surface: bad }));
          expect(refused.code, bad).toBe(status.INVALID_ARGUMENT);
          expect(refused.details).toMatch(/^surface must be 1\.\.64 characters/);
        }
        expect((await codeOf(t.client.recommend({ userId: "u", surface: "x".repeat(64) }))).code).toBe(status.OK);

        // Empty is "default", whose version keeps the format from before surfaces.
        const plain = await t.client.recommend({ userId: "u", sessionId: "s" });
        expect(plain.modelVersion).toMatch(/^hlinucb-d8-u0$/);
        expect((await t.client.recommend({ userId: "u", surface: "default" })).modelVersion).toBe(plain.modelVersion);
        // default, the 64-x surface and home make 3: a fourth is refused, and the known ones still serve.
        const home = await t.client.recommend({ userId: "u", surface: "home" });
        expect(home.modelVersion).toBe("hlinucb-d8-u0@home");
        expect(OnlineModel.updatesOfVersion(home.modelVersion)).toBe(0);
        expect(OnlineModel.surfaceOfVersion(home.modelVersion)).toBe("home");
        const over = await codeOf(t.client.recommend({ userId: "u", surface: "cart" }));
        expect(over.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(over.details).toMatch(/surface "cart" would be surface 4, and RECS_MAX_SURFACES is 3/);
        expect((await codeOf(t.client.recommend({ userId: "u", surface: "home" }))).code).toBe(status.OK);
        expect((await codeOf(t.client.modelStatus(false, undefined, "cart"))).code).toBe(status.NOT_FOUND);

        // Feedback trains the surface its recommendation came from, and only that one.
        for (let n = 0; n < 3; n++) await clickFirst(t.client, "home", n);
        const version = await clickFirst(t.client, "default", 0);
        expect(version).toBe("hlinucb-d8-u0");
        await eventually(async () => {
          expect((await t.client.modelStatus(false, undefined, "home")).updateCount).toBe("3");
          expect((await t.client.modelStatus()).updateCount).toBe("1");
        }, 5_000);
        expect((await t.client.recommend({ userId: "u", surface: "home" })).modelVersion).toBe("hlinucb-d8-u3@home");
        const homeStatus = await t.client.modelStatus(false, undefined, "home");
        const defaultStatus = await t.client.modelStatus();
        expect(homeStatus.modelVersion).toBe("hlinucb-d8-u3@home");
        expect(homeStatus.checksum).not.toBe(defaultStatus.checksum);
        // Organic feedback trains no surface.
        await t.client.feedback({ eventId: "organic-1", userId: "u", sessionId: "s", itemId: "item-1", type: "CLICK" });
        expect((await t.client.modelStatus(false, undefined, "home")).updateCount).toBe("3");
        expect((await t.client.modelStatus()).updateCount).toBe("1");
        checksums = { home: homeStatus.checksum, default: defaultStatus.checksum };
        // DeleteUser takes a shopper's updates back from each surface they trained.
        await clickFirst(t.client, "home", 9, "u-gone");
        expect((await t.client.modelStatus(false, undefined, "home")).updateCount).toBe("4");
        expect((await t.client.deleteUser("u-gone")).modelUpdated).toBe(true);
        expect((await t.client.modelStatus(false, undefined, "home")).updateCount).toBe("3");
        expect((await t.client.modelStatus()).updateCount).toBe("1");
      } finally {
        t.client.close();
        await t.service.stop();
      }

      // A restart restores every surface from its snapshot (saved at shutdown), the cap still counted.
      t = await startTestService(storage, { maxSurfaces: 3 });
      try {
        expect((await t.client.modelStatus(false, undefined, "home")).checksum).toBe(checksums.home);
        expect((await t.client.modelStatus()).checksum).toBe(checksums.default);
        expect((await t.client.modelStatus(false, undefined, "x".repeat(64))).updateCount).toBe("0");
        expect((await codeOf(t.client.recommend({ userId: "u", surface: "cart" }))).code).toBe(
          status.RESOURCE_EXHAUSTED,
        );
      } finally {
        t.client.close();
        await t.service.stop();
      }
    } finally {
      await storage.drop();
    }
  }, 120_000);
});

describe("surfaces across replicas and in own-log evaluation (real stores)", () => {
  it("a second replica follows each surface's updates; live on a surface reproduces its propensities", async ({
    skip,
  }) => {
    if (!((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage("real");
    try {
      // No default rewards within the test (the wait is 10 min): every update is a click's.
      const a = await startTestService(storage);
      const b = await startTestService(storage);
      let homeDecisions = 0;
      try {
        await a.client.upsertItems(testCatalog(40));
        await eventually(async () => expect(b.service.engine.catalog.size).toBe(40), 10_000);
        // A serves home (so each home answer's model is the log's prefix of home updates, which live
        // rebuilds); both serve default; clicks on one slot of most answers.
        for (let n = 0; n < 60; n++) {
          const surface = n % 3 === 0 ? "default" : "home";
          const client = surface === "home" || n % 2 === 0 ? a.client : b.client;
          if (surface === "home") homeDecisions++;
          const user = `u${n % 7}`;
          const rec = await client.recommend({ userId: user, sessionId: `s-${user}`, k: 3, surface });
          if (n % 4 !== 1)
            await client.feedback({
              eventId: `r-${n}`,
              userId: user,
              sessionId: `s-${user}`,
              itemId: rec.items[n % 3]!.itemId,
              type: "CLICK",
              recommendationId: rec.recommendationId,
            });
        }
        for (const surface of ["default", "home"])
          await eventually(async () => {
            const [sa, sb] = await Promise.all([
              a.client.modelStatus(false, undefined, surface),
              b.client.modelStatus(false, undefined, surface),
            ]);
            expect(sb.checksum, surface).toBe(sa.checksum);
            expect(Number(sa.updateCount)).toBeGreaterThan(0);
          }, 10_000);
      } finally {
        for (const t of [a, b]) {
          t.client.close();
          await t.service.stop();
        }
      }
      // Whatever the replicas' order, `live` rebuilds the home model from home's logged updates alone.
      const out: string[] = [];
      const result = await runEvaluate(
        {
          fromDb: true,
          surface: "home",
          policy: [{ kind: "live" }],
          estimator: ["ips"],
          bootstrap: 50,
          seed: 1,
          progress: false,
        },
        { out: (text) => out.push(text), progress: process.stderr, env: { ...storage.env, RECS_EMBEDDING_DIM: "8" } },
      );
      expect(result.log.rowsEvaluated).toBe(homeDecisions);
      expect(result.log.exactRows).toBe(homeDecisions);
      expect(result.live?.exactRows).toBe(homeDecisions);
      expect(result.live!.reproduced).toBe(homeDecisions);
      expect(result.live!.maxDifference).toBeLessThanOrEqual(1e-9);
    } finally {
      await storage.drop();
    }
  }, 120_000);

  it("rolls a surface's model back to a kept version on all replicas, and DeleteUser then takes nothing twice", async ({
    skip,
  }) => {
    if (!((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage("real");
    const out: string[] = [];
    const io = {
      out: (text: string) => out.push(text),
      progress: process.stderr,
      env: { ...storage.env, RECS_EMBEDDING_DIM: "8", RECS_LOG_LEVEL: "silent" },
    };
    // Snapshots every second, so a version to return to is kept soon.
    const a = await startTestService(storage, { snapshotIntervalS: 1 });
    const b = await startTestService(storage);
    try {
      await a.client.upsertItems(testCatalog(40));
      for (let n = 0; n < 5; n++) await clickFirst(a.client, "home", n, "keep");
      await clickFirst(a.client, "default", 0, "keep");
      const kept = "hlinucb-d8-u5@home";
      await eventually(async () => {
        expect((await a.service.stores.durable.snapshots.versions("home")).map((v) => v.modelVersion)).toContain(kept);
      }, 10_000);
      const at5 = await a.client.modelStatus(false, undefined, "home");
      for (let n = 0; n < 4; n++) await clickFirst(a.client, "home", n, "gone");
      const defaultBefore = await a.client.modelStatus();
      await eventually(async () => {
        expect((await b.client.modelStatus(false, undefined, "home")).updateCount).toBe("9");
      }, 5_000);

      await expect(runModelRollback({ surface: "home", model: "hlinucb-d8-u77@home" }, io)).rejects.toThrow(
        /is not a version kept for surface "home"; kept: .*hlinucb-d8-u5@home/,
      );
      const done = await runModelRollback({ surface: "home", model: kept }, io);
      expect(done.discarded).toBe(4);
      expect(out.at(-1)).toMatch(/model back to hlinucb-d8-u5@home .*: 4 model updates learned after it discarded/);
      for (const t of [a, b])
        await eventually(async () => {
          const home = await t.client.modelStatus(false, undefined, "home");
          expect(home.updateCount).toBe("5");
          expect(home.checksum).toBe(at5.checksum);
        }, 5_000);
      // Other surfaces keep what they learned.
      expect((await b.client.modelStatus()).checksum).toBe(defaultBefore.checksum);
      // A second rollback to the same version has nothing left to discard.
      expect((await runModelRollback({ surface: "home", model: kept }, io)).discarded).toBe(0);

      // The rolled-back shopper's updates are gone already: forgetting them changes no model.
      await a.client.deleteUser("gone");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const t of [a, b]) {
        const home = await t.client.modelStatus(false, undefined, "home");
        expect(home.updateCount).toBe("5");
        expect(home.checksum).toBe(at5.checksum);
      }
    } finally {
      for (const t of [a, b]) {
        t.client.close();
        await t.service.stop();
      }
      await storage.drop();
    }
  }, 120_000);
});
