import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRecs } from "../helpers/process";
import {
  createTestStorage,
  startTestService,
  testCatalog,
  type TestService,
  type TestStorage,
} from "../helpers/service";

describe("recs model status", () => {
  let storage: TestStorage;
  let t: TestService;

  beforeAll(async () => {
    storage = await createTestStorage("embedded");
    t = await startTestService(storage);
    await t.client.upsertItems(testCatalog(10));
  }, 60_000);
  afterAll(async () => {
    t?.client.close();
    await t?.service.stop(1_000);
    await storage?.drop();
  });

  it("prints the replica's update count and statistics checksum, which move with feedback", async () => {
    const status = async () => {
      const run = await runRecs(["model", "status", "--target", t.target, "--json"], {});
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as { target: string; updateCount: number; checksum: string; logPosition: string };
    };
    const before = await status();
    expect(before).toMatchObject({
      target: t.target,
      updateCount: 0,
      checksum: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const rec = await t.client.recommend({ userId: "u", sessionId: "s", k: 2 });
    await t.client.feedback({
      eventId: "e1",
      userId: "u",
      sessionId: "s",
      itemId: rec.items[0]!.itemId,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    const after = await status();
    expect(after.updateCount).toBe(1);
    expect(after.checksum).not.toBe(before.checksum);
    expect((await t.client.modelStatus()).checksum).toBe(after.checksum);

    const down = await runRecs(["model", "status", "--target", "127.0.0.1:1"], {});
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/127\.0\.0\.1:1: /);
  });
});
