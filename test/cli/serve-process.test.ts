import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import { spawnServer } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, testCatalog, type StoreKind, type TestStorage } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

describe.each(kinds)("recs serve as a process (%s stores)", (kind) => {
  let storage: TestStorage;
  let enabled = true;
  const env = () => ({ ...storage.env, RECS_EMBEDDING_DIM: "8", RECS_LOAD_SAMPLE_CATALOG: "never", RECS_SNAPSHOT_INTERVAL_S: "3600" });

  beforeAll(async () => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
  });
  afterAll(async () => {
    if (enabled) await storage.drop();
  });

  it("keeps user state and the model across a graceful restart, and exits 0 on SIGTERM within 10 s", async ({ skip }) => {
    if (!enabled) skip();
    const first = await spawnServer(env());
    const client = new RecsClient(first.target);
    let rec;
    try {
      await client.upsertItems(testCatalog(30));
      rec = await client.recommend({ userId: "ru", sessionId: "rs", k: 4 });
      for (const [i, item] of rec.items.entries()) {
        const ack = await client.feedback({ eventId: `r-${i}`, userId: "ru", sessionId: "rs", itemId: item.itemId, type: "CLICK", recommendationId: rec.recommendationId });
        expect(ack.appliedToModel).toBe(true);
      }
    } finally {
      client.close();
    }
    const before = await new RecsClient(first.target).getUserState("ru", "rs");
    const exit = await first.signal("SIGTERM");
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(10_000);

    const second = await spawnServer(env());
    const again = new RecsClient(second.target);
    try {
      const after = await again.getUserState("ru", "rs");
      expect(after.interactionCount).toBe("4");
      expect(after.longTermEmbedding).toEqual(before.longTermEmbedding);
      expect(after.session).toEqual(before.session);
      const next = await again.recommend({ userId: "ru", sessionId: "rs", k: 4 });
      expect(next.modelVersion).toMatch(/-u4$/);
    } finally {
      again.close();
      expect((await second.signal("SIGTERM")).code).toBe(0);
    }
  });

  it("loses no acknowledged feedback when killed with SIGKILL", async ({ skip }) => {
    if (!enabled) skip();
    const first = await spawnServer(env());
    const client = new RecsClient(first.target);
    let before: number;
    try {
      await client.upsertItems(testCatalog(30));
      before = Number((await client.recommend({ userId: "k", sessionId: "k", k: 1 })).modelVersion.split("-u")[1]);
      const recs = await Promise.all(Array.from({ length: 10 }, (_, i) => client.recommend({ userId: `ku-${i}`, sessionId: `ks-${i}`, k: 2 })));
      const events = recs.flatMap((rec, i) =>
        rec.items.map((item, j) => ({ eventId: `kill-${i}-${j}`, userId: `ku-${i}`, sessionId: `ks-${i}`, itemId: item.itemId, type: "CLICK" as const, recommendationId: rec.recommendationId })),
      );
      const summary = await client.ingestFeedback(events);
      expect(summary.accepted).toBe(String(events.length));
    } finally {
      client.close();
    }
    await first.signal("SIGKILL");

    const second = await spawnServer(env());
    const again = new RecsClient(second.target);
    try {
      const next = await again.recommend({ userId: "k", sessionId: "k", k: 1 });
      expect(Number(next.modelVersion.split("-u")[1])).toBe(before + 20);
      for (let i = 0; i < 10; i++) expect((await again.getUserState(`ku-${i}`)).interactionCount).toBe("2");
    } finally {
      again.close();
      await second.signal("SIGTERM");
    }
  });
});
