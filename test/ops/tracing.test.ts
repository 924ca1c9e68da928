import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import { startTracing } from "../../src/tracing";
import { spawnServer, type ServerProcess } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, testCatalog, type TestStorage } from "../helpers/service";

/** A span as OTLP/HTTP JSON carries it (the fields this test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string } }>;
}

/** An in-process OTLP receiver: keeps every span POSTed to /v1/traces (http/json). */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const payload = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans };
}

const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

describe("OpenTelemetry traces", () => {
  let storage: TestStorage;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let server: ServerProcess;
  let client: RecsClient;
  let realStores = false;

  beforeAll(async () => {
    realStores = (await postgresAvailable()) && (await redisAvailable());
    storage = await createTestStorage(realStores ? "real" : "embedded");
    receiver = await otlpReceiver();
    server = await spawnServer({
      ...storage.env,
      RECS_EMBEDDING_DIM: "8",
      RECS_LOAD_SAMPLE_CATALOG: "never",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    });
    client = new RecsClient(server.target);
    await client.upsertItems(testCatalog(20));
  }, 90_000);

  afterAll(async () => {
    client?.close();
    await server?.signal("SIGTERM");
    receiver?.server.close();
    await storage?.drop();
  });

  it("exports a Recommend as one trace: the server span with the request id, " +
    "its store calls as child spans", async () => {
    await client.recommend(
      { userId: "trace-user", sessionId: "trace-session", k: 3 },
      client.metadata({ "x-request-id": "trace-req-1" }),
    );
    let root: OtlpSpan | undefined;
    let trace: OtlpSpan[] = [];
    for (let waited = 0; waited < 10_000; waited += 100) {
      root = receiver.spans.find((s) => attribute(s, "recs.request_id") === "trace-req-1");
      trace = root ? receiver.spans.filter((s) => s.traceId === root!.traceId) : [];
      if (root && trace.some((s) => s.name === "serving_store put_context")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(root, `spans received: ${receiver.spans.map((s) => s.name).join(", ")}`).toBeDefined();
    expect(root!.name).toBe("grpc.recs.v1.Recommender/Recommend");
    expect(root!.kind).toBe(2); // SERVER
    expect(root!.parentSpanId ?? "").toBe("");
    const stores = trace.filter((s) => attribute(s, "recs.store") !== undefined);
    expect(stores.map((s) => s.name).sort()).toEqual(
      expect.arrayContaining(["serving_store put_context", "session_store read_window", "user_store get_user"]),
    );
    for (const span of stores) expect(span.parentSpanId).toBe(root!.spanId);
    if (realStores) {
      // The client libraries' own spans, inside the store spans that made them.
      const tree = trace.map((s) => `${s.name} ${s.spanId} <- ${s.parentSpanId ?? ""}`).join("\n");
      const under = (storeSpan: string, system: string) => {
        const parent = stores.find((s) => s.name === storeSpan)!;
        return trace.filter(
          (s) =>
            s.parentSpanId === parent.spanId &&
            [attribute(s, "db.system"), attribute(s, "db.system.name")].includes(system),
        );
      };
      expect(
        under("session_store read_window", "redis").map((s) => s.name),
        tree,
      ).toContain("lrange");
      // Every Redis command sits under a store span of this call (which one, when the adapter pipelines
      // commands of several calls, is the one that opened the batch).
      const storeIds = new Set(stores.map((s) => s.spanId));
      const redis = trace.filter((s) => [attribute(s, "db.system"), attribute(s, "db.system.name")].includes("redis"));
      expect(redis.length, tree).toBeGreaterThanOrEqual(2);
      for (const span of redis) expect(storeIds.has(span.parentSpanId ?? ""), tree).toBe(true);
      expect(
        under("user_store get_user", "postgresql").some((s) => s.name.startsWith("pg.query")),
        tree,
      ).toBe(true);
    }
    // Health checks are not traced.
    expect(receiver.spans.some((s) => s.name.includes("Health"))).toBe(false);
  }, 30_000);

  it("is off without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    expect(await startTracing({})).toBeNull();
  });
});
