import { afterEach, describe, expect, it } from "vitest";
import type { RecsClient } from "../../src/client/recs-client";
import { eventually } from "../helpers/eventually";
import { runRecs as recs, spawnServer } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, testCatalog, type TestStorage } from "../helpers/service";

const DIM = 8;
const base = { RECS_EMBEDDING_DIM: String(DIM), RECS_LOAD_SAMPLE_CATALOG: "never", RECS_LOG_LEVEL: "warn" };

/** One recommendation answered by a click: a profile, a session window, a model update. */
async function shop(client: RecsClient, userId: string): Promise<void> {
  const rec = await client.recommend({ userId, sessionId: `${userId}-s`, k: 3 });
  await client.feedback({
    eventId: `${userId}-e`,
    userId,
    sessionId: `${userId}-s`,
    itemId: rec.items[0]!.itemId,
    type: "CLICK",
    recommendationId: rec.recommendationId,
  });
}

describe("recs forget-user", { timeout: 120_000 }, () => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    await storage?.drop();
    storage = undefined;
  });

  it("refuses an embedded folder a server holds, goes through it with --target, works on it once free", async () => {
    storage = await createTestStorage("embedded");
    const env = { ...base, ...storage.env };
    const server = await spawnServer(env);
    const { RecsClient } = await import("../../src/client/recs-client");
    const client = new RecsClient(server.target);
    try {
      await client.upsertItems(testCatalog(10, DIM));
      await shop(client, "via-server");
      await shop(client, "offline");
      const refused = await recs(["forget-user", "via-server"], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in use by process \d+.*--target HOST:PORT/s);
      const through = await recs(["forget-user", "via-server", "--target", server.target], env);
      expect(through.code).toBe(0);
      // 1 impression, 1 click; the click's session.
      expect(through.stdout).toMatch(/forgotten: 2 events, 1 session windows, model updates taken back/);
      expect(through.stdout).not.toContain("via-server");
      expect((await client.getUserState("via-server", "via-server-s")).session).toEqual([]);
    } finally {
      client.close();
      expect((await server.signal("SIGTERM")).code).toBe(0);
    }
    const offline = await recs(["forget-user", "offline"], env);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/forgotten: 2 events, 1 session windows, model updates taken back/);
    expect((await recs(["forget-user", "offline"], env)).stdout).toMatch(/forgotten: 0 events.*nothing was held/);
    // The next start replays the removal: the model holds no update of either user.
    const again = await spawnServer(env);
    const reopened = new RecsClient(again.target);
    try {
      expect((await reopened.modelStatus()).updateCount).toBe("0");
      expect((await reopened.getUserState("offline", "offline-s")).interactionCount).toBe("0");
      expect((await reopened.getUserState("offline", "offline-s")).session).toEqual([]);
    } finally {
      reopened.close();
      await again.signal("SIGTERM");
    }
    const bad = await recs(["forget-user", "x".repeat(300)], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/user-id must be at most 256 bytes/);
  });

  it("beside a running server on Postgres and Redis, which takes the removal from the log", async (ctx) => {
    if (!((await postgresAvailable()) && (await redisAvailable()))) return ctx.skip();
    storage = await createTestStorage("real");
    const t = await startTestService(storage, { snapshotIntervalS: 3600 });
    try {
      await t.client.upsertItems(testCatalog(10, DIM));
      await shop(t.client, "gone");
      await shop(t.client, "kept");
      expect((await t.client.modelStatus()).updateCount).toBe("2");
      const done = await recs(["forget-user", "gone"], { ...base, ...storage.env });
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/forgotten: 2 events, 1 session windows, model updates taken back/);
      await eventually(async () => expect((await t.client.modelStatus()).updateCount).toBe("1"), 10_000);
      expect((await t.client.getUserState("gone", "gone-s")).session).toEqual([]);
      expect((await t.client.getUserState("kept", "kept-s")).session).toHaveLength(1);
      const noRedis = await recs(["forget-user", "kept"], { ...base, DATABASE_URL: storage.env.DATABASE_URL! });
      expect(noRedis.code).toBe(1);
      expect(noRedis.stderr).toMatch(/no REDIS_URL.*--target/);
    } finally {
      t.client.close();
      await t.service.stop();
    }
  });
});
