import { afterEach, describe, expect, it } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/log";
import { startService } from "../../src/service";
import { createTestStorage, testCatalog, type TestStorage } from "../helpers/service";
import { freePort, opsStorage, startOpsService } from "./ops-service";

const probe = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as { status: string } };
};

describe("start-up: Kubernetes probes on the metrics port, and warnings instead of crashes", {
  timeout: 120_000,
}, () => {
  const storages: TestStorage[] = [];
  afterEach(async () => {
    for (const storage of storages.splice(0)) await storage.drop();
  });

  it("/healthz is live throughout; /readyz is 503 while loading and stopping, 200 while serving", async () => {
    // The embedded store loading the 2,000-item sample catalog: a start long enough to watch.
    const storage = await createTestStorage("embedded");
    storages.push(storage);
    const metricsPort = await freePort();
    const config = loadConfig(
      {},
      { port: 0, metricsPort, loadSampleCatalog: "always", embeddingDim: 32, logLevel: "silent", ...storage.overrides },
    );
    const starting = startService(config, createLogger("silent"));
    const readiness: number[] = [];
    const liveness: number[] = [];
    for (let i = 0; i < 2_400 && readiness.at(-1) !== 200; i++) {
      try {
        liveness.push((await probe(metricsPort, "/healthz")).status);
        const ready = await probe(metricsPort, "/readyz");
        readiness.push(ready.status);
        if (ready.status === 503) expect(ready.body).toEqual({ status: "starting" });
      } catch {
        // Not bound yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const service = await starting;
    expect(readiness[0]).toBe(503);
    expect(readiness.at(-1)).toBe(200);
    expect(new Set(liveness)).toEqual(new Set([200]));
    expect(await probe(metricsPort, "/readyz")).toEqual({ status: 200, body: { status: "ready" } });

    // An open stream holds the drain, so the stopping state can be seen before the endpoint closes.
    const client = new RecsClient(`127.0.0.1:${service.port}`);
    const stream = client.catalog.UpsertItems(client.metadata(), () => undefined);
    stream.write({ ...testCatalog(1, 32)[0]!, itemId: "held-open" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = service.stop(5_000);
    expect(await probe(metricsPort, "/readyz")).toEqual({ status: 503, body: { status: "stopping" } });
    expect((await probe(metricsPort, "/healthz")).status).toBe(200);
    stream.end();
    await stopping;
    client.close();
  });

  it("warns, and serves, when the sample catalog has another dimension and the catalog is empty", async () => {
    const storage = await opsStorage();
    storages.push(storage);
    const ops = await startOpsService(storage, { loadSampleCatalog: "always", embeddingDim: 8, logLevel: "info" });
    try {
      const warnings = ops.log
        .lines()
        .filter((line) => line.level === 40)
        .map((line) => line.msg);
      expect(warnings).toEqual([
        "the sample catalog's embeddings have 32 values but RECS_EMBEDDING_DIM is 8; " +
          "not loaded (set RECS_LOAD_SAMPLE_CATALOG=never to skip it)",
        "the catalog is empty, so every Recommend answers with no items: " +
          "load one with Catalog.UpsertItems or `recs load-catalog FILE` (on the embedded store, " +
          "while the server is stopped)",
      ]);
      const client = new RecsClient(ops.target);
      expect((await client.recommend({ userId: "u", sessionId: "s" })).items).toEqual([]);
      client.close();
    } finally {
      await ops.service.stop();
    }
  });
});
