import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import { loadConfig } from "../../src/config";
import { eventually } from "../helpers/eventually";
import { freePort, spawnServer } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, testCatalog, type TestStorage } from "../helpers/service";

/** The summed value of a metric's samples whose labels contain `labels`, from Prometheus text. */
function metric(text: string, name: string, labels = ""): number {
  let sum = 0;
  // The whole name: recs_model_updates is a prefix of recs_model_updates_pending.
  for (const line of text.split("\n"))
    if (/^[^ {]+/.exec(line)?.[0] === name && line.includes(labels)) sum += Number(line.split(" ").pop());
  return sum;
}

describe("RECS_WORKERS", () => {
  it("is refused above 1 without DATABASE_URL and REDIS_URL, naming why", () => {
    expect(() => loadConfig({ RECS_WORKERS: "2" })).toThrow(/RECS_WORKERS above 1 needs DATABASE_URL and REDIS_URL/);
    expect(() => loadConfig({ RECS_WORKERS: "2", DATABASE_URL: "postgres://x@127.0.0.1/db" })).toThrow(
      /needs DATABASE_URL and REDIS_URL/,
    );
    expect(
      loadConfig({ RECS_WORKERS: "2", DATABASE_URL: "postgres://x@127.0.0.1/db", REDIS_URL: "redis://127.0.0.1:6379" })
        .workers,
    ).toBe(2);
    expect(() => loadConfig({ RECS_WORKERS: "0" })).toThrow(/RECS_WORKERS/);
  });
});

// Real processes on real Postgres and Redis: several workers only exist with shared stores.
describe("recs serve with RECS_WORKERS=2", { timeout: 120_000 }, () => {
  let storage: TestStorage;
  let enabled = true;

  beforeAll(async () => {
    if (!((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage("real");
  });
  afterAll(async () => {
    if (enabled) await storage.drop();
  });

  it(
    "serves one port from two replicas that learn from each other's feedback, with their metrics summed, " +
      "replaces a dead worker, and stops on SIGTERM",
    async ({ skip }) => {
      if (!enabled) skip();
      const metricsPort = await freePort();
      const server = await spawnServer({
        ...storage.env,
        RECS_WORKERS: "2",
        RECS_METRICS_PORT: String(metricsPort),
        RECS_EMBEDDING_DIM: "8",
        RECS_LOAD_SAMPLE_CATALOG: "never",
        RECS_SNAPSHOT_INTERVAL_S: "3600",
        RECS_LOG_LEVEL: "info",
      });
      const clients: RecsClient[] = [];
      const logLines = () =>
        server
          .output()
          .split("\n")
          .filter((line) => line.startsWith('{"level"'))
          .map((line) => JSON.parse(line) as { worker?: number; msg: string });
      try {
        expect(server.output()).toContain('"workers":2');
        // Each worker's lines carry its worker id (pino writes asynchronously: they may trail the "listening" line).
        await eventually(
          async () =>
            expect(
              new Set(
                logLines()
                  .filter((line) => line.msg === "recs is serving")
                  .map((line) => line.worker),
              ),
            ).toEqual(new Set([1, 2])),
          5_000,
        );
        expect(
          logLines()
            .filter((line) => line.msg === "engine state loaded")
            .every((line) => line.worker === 1 || line.worker === 2),
        ).toBe(true);
        // The primary's probes answer for the cluster.
        expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
        const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
        const admin = new RecsClient(server.target);
        clients.push(admin);
        await admin.upsertItems(testCatalog(30));
        // The other worker learns of the upsert by polling the item store (every 2 s).
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        // Each client is its own connection, and the cluster hands connections to the workers in turn.
        let events = 0;
        for (let c = 0; c < 6; c++) {
          const client = new RecsClient(server.target);
          clients.push(client);
          const rec = await client.recommend({ userId: `wu-${c}`, sessionId: `ws-${c}`, k: 3 });
          expect(rec.items).toHaveLength(3);
          for (const [i, item] of rec.items.entries()) {
            const ack = await client.feedback({
              eventId: `w-${c}-${i}`,
              userId: `wu-${c}`,
              sessionId: `ws-${c}`,
              itemId: item.itemId,
              type: "CLICK",
              recommendationId: rec.recommendationId,
            });
            expect(ack.appliedToModel).toBe(true);
            events++;
          }
        }
        // Every update is applied once where its feedback arrived and once more by the other replica.
        let text = "";
        for (let tries = 0; tries < 50; tries++) {
          text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          if (metric(text, "recs_bandit_updates_total", 'source="replica"') >= events) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(metric(text, "recs_bandit_updates_total", 'source="feedback"')).toBe(events);
        expect(metric(text, "recs_bandit_updates_total", 'source="replica"')).toBe(events);
        expect(metric(text, "recs_rpc_duration_seconds_count", 'method="Recommend"')).toBe(6);
        // Each worker's model holds every update; the gauge combines by max, not by sum.
        expect(metric(text, "recs_model_updates")).toBe(events);
        // Replica agreement on /metrics: once drained, no worker has another's updates pending, and the
        // laggiest worker's log position is at most the log's newest (impressions come after the updates).
        await eventually(async () => {
          const now = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          expect(metric(now, "recs_model_updates_pending")).toBe(0);
          expect(metric(now, "recs_model_log_position")).toBeGreaterThan(0);
          expect(metric(now, "recs_log_newest_position")).toBeGreaterThanOrEqual(
            metric(now, "recs_model_log_position"),
          );
        }, 5_000);

        // A worker that dies is replaced, and the port keeps serving.
        const workers = () =>
          execFileSync("pgrep", ["-P", String(server.child.pid)])
            .toString()
            .trim()
            .split("\n")
            .map(Number);
        const [victim] = workers();
        process.kill(victim!, "SIGKILL");
        const replaced = () =>
          workers().length === 2 &&
          !workers().includes(victim!) &&
          server.output().includes("a worker exited; starting another");
        for (let tries = 0; tries < 100 && !replaced(); tries++)
          await new Promise((resolve) => setTimeout(resolve, 200));
        expect(workers()).toHaveLength(2);
        expect(workers()).not.toContain(victim);
        expect(server.output()).toContain("a worker exited; starting another");
        expect(logLines().find((line) => line.msg === "a worker exited; starting another")?.worker).toBeGreaterThan(0);
        await eventually(
          async () =>
            expect(
              logLines()
                .filter((line) => line.msg === "recs is serving")
                .map((line) => line.worker),
            ).toContain(3),
          10_000,
        );
        for (let c = 0; c < 4; c++) {
          const client = new RecsClient(server.target);
          clients.push(client);
          expect((await client.recommend({ userId: `after-${c}`, sessionId: `after-${c}`, k: 2 })).items).toHaveLength(
            2,
          );
        }
      } finally {
        for (const client of clients) client.close();
        const exit = await server.signal("SIGTERM");
        expect(exit.code).toBe(0);
        expect(exit.ms).toBeLessThan(10_000);
      }
    },
  );
});
