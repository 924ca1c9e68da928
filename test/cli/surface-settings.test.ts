import { InvalidArgumentError } from "commander";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/cli/option-values";
import { runPromote } from "../../src/cli/promote-command";
import { runRollback, runSettings } from "../../src/cli/surface-commands";
import { parseSurfaceSettings } from "../../src/engine/surface-settings";
import type { EvaluateIo } from "../../src/cli/evaluate-command";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { eventually } from "../helpers/eventually";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, testCatalog, type TestService } from "../helpers/service";

describe("settings records, checked", () => {
  it("parses durations and settings, and says what is wrong", () => {
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    expect(() => parseDuration("7 days")).toThrow(InvalidArgumentError);
    expect(parseSurfaceSettings({ alpha: 0.1, epsilon: 0 })).toEqual({ alpha: 0.1, epsilon: 0 });
    expect(() => parseSurfaceSettings({ alpha: 0.1, epsilon: 2 })).toThrow(/epsilon/);
    expect(() => parseSurfaceSettings({ alpha: 0.1 })).toThrow(/epsilon/);
    expect(() => parseSurfaceSettings({ alpha: 0.1, epsilon: 0, beta: 1 })).toThrow(/beta|record/);
  });
});

/** Both replicas serve `surface` with this settings version and ε (checked through GetModelStatus). */
async function bothFollow(replicas: TestService[], surface: string, version: number, epsilon: number) {
  return eventually(async () => {
    for (const t of replicas) {
      const status = await t.client.modelStatus(false, undefined, surface);
      expect(status.settingsVersion).toBe(version);
      expect(status.epsilon).toBe(epsilon);
    }
  }, 5_000);
}

describe("settings in the database, the promotion gate and rollback (real stores, two replicas)", () => {
  it("replicas follow each record within seconds; promote passes a better candidate, refuses a worse one", async ({
    skip,
  }) => {
    if (!((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage("real");
    const out: string[] = [];
    const io: EvaluateIo = {
      out: (text) => out.push(text),
      progress: process.stderr,
      env: { ...storage.env, RECS_EMBEDDING_DIM: "8", RECS_LOG_LEVEL: "silent", USER: "tester" },
    };
    const a = await startTestService(storage);
    const b = await startTestService(storage);
    try {
      await a.client.upsertItems(testCatalog(10));
      await eventually(async () => expect(b.service.engine.catalog.size).toBe(10), 10_000);
      // v1, written as an operator would before any traffic: home explores uniformly.
      const durable = await openPostgresStores({ url: storage.env.DATABASE_URL!, embeddingDim: 8 });
      try {
        await durable.settings.append(
          "home",
          { alpha: 0.25, epsilon: 1 },
          { reason: "uniform logging", author: "test", forced: false },
          0,
        );
        await expect(
          durable.settings.append("home", { alpha: 1, epsilon: 1 }, { reason: "", author: "", forced: false }, 0),
        ).rejects.toThrow(/is at settings version 1, not 0/);
      } finally {
        await durable.close();
      }
      // Neither replica has met "home" yet: each creates it, on its first request, with v1's settings.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (const t of [a, b]) {
        const explored = await t.client.recommend({ userId: "u", surface: "home", candidateIds: ["item-0", "item-1"] });
        expect(explored.items.every((item) => item.explored)).toBe(true);
        expect(explored.items[0]!.propensity).toBe(0.5);
      }
      await bothFollow([a, b], "home", 1, 1);
      expect((await b.client.modelStatus()).settingsVersion).toBe(0);

      // Logged under uniform exploration: item-0 in the first slot is always clicked, item-1 never.
      for (let n = 0; n < 160; n++) {
        const rec = await a.client.recommend({
          userId: `u${n % 9}`,
          sessionId: `s${n % 9}`,
          k: 2,
          surface: "home",
          candidateIds: ["item-0", "item-1"],
        });
        if (rec.items[0]!.itemId === "item-0")
          await a.client.feedback({
            eventId: `c${n}`,
            userId: `u${n % 9}`,
            sessionId: `s${n % 9}`,
            itemId: "item-0",
            type: "CLICK",
            recommendationId: rec.recommendationId,
          });
      }
      const flags = { surface: "home", estimator: "snips", bootstrap: 200, seed: 3 };

      // Greedy on what home learned beats uniform: written as v2, which both replicas then serve.
      const better = await runPromote({ ...flags, candidate: "live:epsilon=0", since: "1h" }, io);
      expect(better.passed).toBe(true);
      expect(better.rows).toBe(162);
      expect(better.candidate.ci[0]).toBeGreaterThan(better.live.value);
      expect(better.live.value).toBeGreaterThan(0.3);
      expect(better.live.value).toBeLessThan(0.7);
      expect(better.written).toMatchObject({ version: 2, settings: { alpha: 0.25, epsilon: 0 }, forced: false });
      expect(better.written!.reason).toMatch(/^promote live:epsilon=0 --since 1h: snips over 162 impressions/);
      expect(better.written!.author).toBe("tester");
      const followedMs = await bothFollow([a, b], "home", 2, 0);
      console.log(`both replicas served settings v2 within ${followedMs} ms of its write`);

      // Back to uniform is worse than greedy: refused, nothing written; --force writes it, marked.
      const json = join(tmpdir(), `promote-${process.pid}-${Date.now()}.json`);
      const worse = await runPromote({ ...flags, candidate: "live:epsilon=1", json }, io);
      expect(worse.passed).toBe(false);
      expect(worse.written).toBeNull();
      const report = JSON.parse(await readFile(json, "utf8"));
      await rm(json, { force: true });
      expect(report).toMatchObject({ surface: "home", estimator: "snips", passed: false, written: null, rows: 162 });
      expect(report.live.ci[0]).toBeLessThanOrEqual(report.live.value);
      expect(out.join("\n")).toMatch(/REFUSED: the candidate's lower bound [\d.]+ does not beat live's estimate/);
      expect((await runSettings({ surface: "home" }, io)).map((r) => r.version)).toEqual([2, 1]);
      const forced = await runPromote({ ...flags, candidate: "live:epsilon=1", force: true }, io);
      expect(forced.written).toMatchObject({ version: 3, settings: { epsilon: 1 }, forced: true });
      expect(forced.written!.reason).toMatch(/\(gate refused; forced\)/);
      await bothFollow([a, b], "home", 3, 1);

      // Rollback: v2's settings again, as v4.
      const back = await runRollback({ surface: "home", reason: "forced by mistake" }, io);
      expect(back).toMatchObject({ version: 4, settings: { alpha: 0.25, epsilon: 0 }, forced: false });
      expect(back.reason).toBe("rollback from v3 to v2: forced by mistake");
      await bothFollow([a, b], "home", 4, 0);
      const history = await runSettings({ surface: "home" }, io);
      expect(history.map((r) => [r.version, r.settings.epsilon, r.forced])).toEqual([
        [4, 0, false],
        [3, 1, true],
        [2, 0, false],
        [1, 1, false],
      ]);
      await expect(runRollback({ surface: "cart" }, io)).rejects.toThrow(/has no settings records/);
      await expect(runPromote({ ...flags, candidate: "linucb:alpha=1" }, io)).rejects.toThrow(
        /name the settings to promote as live:alpha=A,epsilon=E/,
      );
      console.log(out.filter((line) => /PASSED|REFUSED|settings v\d/.test(line)).join("\n"));
      // The default surface was never touched.
      expect((await a.client.modelStatus()).settingsVersion).toBe(0);
    } finally {
      for (const t of [a, b]) {
        t.client.close();
        await t.service.stop();
      }
      await storage.drop();
    }
  }, 180_000);
});
