import { describe, expect, it } from "vitest";
import { runEvaluate } from "../../src/cli/evaluate-command";
import { runPromote } from "../../src/cli/promote-command";
import { loadConfig } from "../../src/config";
import { silentLogger } from "../../src/log";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, testCatalog, type StoreKind, type TestStorage } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];
const DIM = 8;
const ITEMS = testCatalog(40, DIM);

/** Appends a settings record for `surface` as an operator (or `recs promote --force`) would. */
async function writeSettings(storage: TestStorage, surface: string, settings: Record<string, unknown>) {
  const config = loadConfig({}, { embeddingDim: DIM, ...storage.overrides });
  const durable = await openPostgresStores(
    config.databaseUrl
      ? { url: config.databaseUrl, embeddingDim: DIM, logger: silentLogger }
      : { dataDir: config.dataDir, embeddingDim: DIM, logger: silentLogger },
  );
  try {
    await durable.migrate();
    await durable.settings.append(surface, settings, { reason: "test", author: "test", forced: false }, 0);
  } finally {
    await durable.close();
  }
}

describe.each(kinds)("a surface's feature switches and default cap (%s stores)", (kind) => {
  it("score that surface without the session and cap its slates, logged so live replays them exactly", async ({
    skip,
  }) => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage(kind);
    try {
      await writeSettings(storage, "home", { alpha: 0.25, epsilon: 0.1, session: false, maxPerCategory: 1 });
      const t = await startTestService(storage, { embeddingDim: DIM, rewardWaitMs: 1 });
      try {
        await t.client.upsertItems(ITEMS);
        // An organic session on cat-1: the default surface follows it, home is told not to look.
        for (const itemId of ["item-1", "item-5", "item-9"])
          await t.client.feedback({ eventId: `o-${itemId}`, userId: "u", sessionId: "s", itemId, type: "CLICK" });
        const onDefault = await t.client.recommend({ userId: "u", sessionId: "s", k: 6, explain: true });
        expect(onDefault.items.some((item) => Math.abs(item.parts!.session) > 1e-6)).toBe(true);
        const onHome = await t.client.recommend({ userId: "u", sessionId: "s", k: 6, explain: true, surface: "home" });
        expect(onHome.items).toHaveLength(4);
        expect(onHome.items.every((item) => item.parts!.session === 0)).toBe(true);
        const categories = onHome.items.map((item) => ITEMS.find((i) => i.itemId === item.itemId)!.category);
        expect(new Set(categories).size).toBe(categories.length);
        // A request's own cap still wins over the surface's.
        const capped = await t.client.recommend({
          userId: "u",
          sessionId: "s",
          k: 6,
          surface: "home",
          maxPerCategory: 2,
        });
        expect(capped.items).toHaveLength(6);

        // Traffic on home: clicks on the first slot, default rewards for the rest.
        for (let n = 0; n < 120; n++) {
          const rec = await t.client.recommend({ userId: `u${n % 7}`, sessionId: `s${n % 11}`, k: 3, surface: "home" });
          if (n % 3 === 0)
            await t.client.feedback({
              eventId: `c${n}`,
              userId: `u${n % 7}`,
              sessionId: `s${n % 11}`,
              itemId: rec.items[0]!.itemId,
              type: "CLICK",
              recommendationId: rec.recommendationId,
            });
          if (n % 20 === 0) await t.service.engine.sweepDefaultRewards();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        await t.service.engine.sweepDefaultRewards();
      } finally {
        t.client.close();
        await t.service.stop();
      }

      const out: string[] = [];
      const io = {
        out: (text: string) => out.push(text),
        progress: process.stderr,
        env: { ...storage.env, RECS_EMBEDDING_DIM: String(DIM), RECS_LOG_LEVEL: "silent", USER: "tester" },
      };
      const result = await runEvaluate(
        {
          fromDb: true,
          surface: "home",
          policy: [{ kind: "live" }, { kind: "live", session: true }, { kind: "live", longTerm: false }],
          estimator: ["snips"],
          bootstrap: 50,
          seed: 1,
          progress: false,
        },
        io,
      );
      // The record's switches and cap are live's: every logged propensity reproduced, to 1e-9.
      expect(result.policies[0]!.name).toMatch(/^live \(alpha=0\.25,epsilon=0\.1,session=off,max_per_category=1,/);
      expect(result.live).toMatchObject({ exactRows: 122, reproduced: 122 });
      expect(result.live!.maxDifference).toBeLessThanOrEqual(1e-9);
      // The session was never logged for home: switching it on scores the same; switching the profile off
      // is another policy.
      expect(result.policies[1]!.estimates.snips!.value).toBeCloseTo(result.policies[0]!.estimates.snips!.value, 12);
      expect(result.policies[2]!.name).toMatch(/longterm=off/);

      // The gate takes switches as candidates; the record written carries them.
      const promoted = await runPromote(
        {
          surface: "home",
          candidate: "live:longterm=off,max_per_category=2",
          estimator: "snips",
          bootstrap: 50,
          seed: 1,
          force: true,
        },
        io,
      );
      expect(promoted.written!.settings).toEqual({
        alpha: 0.25,
        epsilon: 0.1,
        session: false,
        longTerm: false,
        maxPerCategory: 2,
      });
      expect(out.join("\n")).toMatch(
        /settings v2: alpha=0\.25, epsilon=0\.1, session=off, longterm=off, max_per_category=2/,
      );
    } finally {
      await storage.drop();
    }
  }, 120_000);
});
