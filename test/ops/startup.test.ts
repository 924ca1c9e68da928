import { afterEach, describe, expect, it } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import type { TestStorage } from "../helpers/service";
import { opsStorage, startOpsService } from "./ops-service";

describe("start-up: warnings instead of crashes", { timeout: 120_000 }, () => {
  const storages: TestStorage[] = [];
  afterEach(async () => {
    for (const storage of storages.splice(0)) await storage.drop();
  });

  it("warns, and serves, when the sample catalog has another dimension and the catalog is empty", async () => {
    const storage = await opsStorage();
    storages.push(storage);
    const ops = await startOpsService(storage, { loadSampleCatalog: "always", embeddingDim: 8, logLevel: "info" });
    try {
      const warnings = ops.log.lines().filter((line) => line.level === 40).map((line) => line.msg);
      expect(warnings).toEqual([
        "the sample catalog's embeddings have 32 values but RECS_EMBEDDING_DIM is 8; not loaded (set RECS_LOAD_SAMPLE_CATALOG=never to skip it)",
        "the catalog is empty, so every Recommend answers with no items: load one with Catalog.UpsertItems or `recs load-catalog FILE` (on the embedded store, while the server is stopped)",
      ]);
      const client = new RecsClient(ops.target);
      expect((await client.recommend({ userId: "u", sessionId: "s" })).items).toEqual([]);
      client.close();
    } finally {
      await ops.service.stop();
    }
  });
});
