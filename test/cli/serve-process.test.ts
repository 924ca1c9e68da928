import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import { spawnServer } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, testCatalog, type StoreKind, type TestStorage } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];

// Real processes start slowly on a busy 2-core machine (tsx, PGlite): generous per-test limits.
describe.each(kinds)("recs serve as a process (%s stores)", { timeout: 120_000 }, (kind) => {
  let storage: TestStorage;
  let enabled = true;
  const env = () => ({
    ...storage.env,
    RECS_EMBEDDING_DIM: "8",
    RECS_LOAD_SAMPLE_CATALOG: "never",
    RECS_SNAPSHOT_INTERVAL_S: "3600",
  });

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

  it("keeps user state and the model across a graceful restart, and exits 0 on SIGTERM within 10 s", async ({
    skip,
  }) => {
    if (!enabled) skip();
    const first = await spawnServer(env());
    const client = new RecsClient(first.target);
    let rec: Awaited<ReturnType<RecsClient["recommend"]>>;
    try {
      await client.upsertItems(testCatalog(30));
      rec = await client.recommend({ userId: "ru", sessionId: "rs", k: 4 });
      for (const [i, item] of rec.items.entries()) {
        const ack = await client.feedback({
          eventId: `r-${i}`,
          userId: "ru",
          sessionId: "rs",
          itemId: item.itemId,
          type: "CLICK",
          recommendationId: rec.recommendationId,
        });
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
      const recs = await Promise.all(
        Array.from({ length: 10 }, (_, i) => client.recommend({ userId: `ku-${i}`, sessionId: `ks-${i}`, k: 2 })),
      );
      const events = recs.flatMap((rec, i) =>
        rec.items.map((item, j) => ({
          eventId: `kill-${i}-${j}`,
          userId: `ku-${i}`,
          sessionId: `ks-${i}`,
          itemId: item.itemId,
          type: "CLICK" as const,
          recommendationId: rec.recommendationId,
        })),
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

describe("recs serve start-up on the embedded default", () => {
  it("binds at once, answers NOT_SERVING and UNAVAILABLE while loading the sample catalog, " +
    "then SERVING with real recommendations", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { spawn } = await import("node:child_process");
    const { healthClient } = await import("../helpers/service");
    const dataDir = mkdtempSync(join(tmpdir(), "recs-start-"));
    const child = spawn(process.execPath, ["bin/recs.js", "serve"], {
      env: { PATH: process.env.PATH ?? "", RECS_PORT: "0", RECS_DATA_DIR: dataDir, RECS_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 600 && !/"event":"bound"/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/"event":"bound","port":(\d+)/.exec(out)![1]);
      const target = `127.0.0.1:${port}`;
      const health = healthClient(target);
      const check = () =>
        new Promise<string>((resolve, reject) =>
          health.Check({ service: "" }, (err, res) => (err ? reject(err) : resolve(res!.status))),
        );
      const client = new RecsClient(target);
      const statuses: string[] = [await check()];
      const early = await client.recommend({ userId: "early", sessionId: "e", k: 3 }).then(
        () => "OK",
        (err: { code: number; details: string }) => `${err.code} ${err.details}`,
      );
      for (let i = 0; i < 600 && statuses[statuses.length - 1] !== "SERVING"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        statuses.push(await check());
      }
      expect(statuses[0]).toBe("NOT_SERVING");
      expect(early).toMatch(/^14 the service is starting/); // 14 = UNAVAILABLE
      expect(statuses[statuses.length - 1]).toBe("SERVING");
      const rec = await client.recommend({ userId: "u", sessionId: "s" });
      expect(rec.items).toHaveLength(10);
      expect((await client.getItem(rec.items[0]!.itemId)).embedding).toHaveLength(32);
      client.close();
      health.close();
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
