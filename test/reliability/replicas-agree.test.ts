import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeHybridState, type HybridSnapshot } from "../../src/bandit/hybrid-snapshot";
import { statisticsChecksum } from "../../src/bandit/statistics-checksum";
import { RecsClient } from "../../src/client/recs-client";
import { loadConfig, modelPrior } from "../../src/config";
import { restoreSurfaces } from "../../src/engine/model-persistence";
import { silentLogger } from "../../src/log";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { spawnServer, type ServerProcess } from "../helpers/process";
import { postgresAvailable, redisClusterAvailable, TEST_REDIS_CLUSTER } from "../helpers/servers";
import { createTestStorage, testCatalog, type TestStorage } from "../helpers/service";
import { eventually } from "./harness";
import { expectSameStatistics } from "../helpers/model-statistics";

const enabled = (await postgresAvailable()) && (await redisClusterAvailable());
const DIM = 8;
const REWARD_WAIT_MS = 1_500;

describe.runIf(enabled)("three replicas on one Postgres and the Redis Cluster", () => {
  let storage: TestStorage;
  const servers: ServerProcess[] = [];
  const clients: RecsClient[] = [];

  const env = () => ({
    DATABASE_URL: storage.env.DATABASE_URL!,
    RECS_REDIS_PREFIX: storage.env.RECS_REDIS_PREFIX!,
    RECS_REDIS_CLUSTER: TEST_REDIS_CLUSTER.map((s) => `${s.host}:${s.port}`).join(","),
    RECS_EMBEDDING_DIM: String(DIM),
    RECS_LOAD_SAMPLE_CATALOG: "never",
    // Snapshots land in the middle of the load, and so do default rewards.
    RECS_SNAPSHOT_INTERVAL_S: "1",
    RECS_REWARD_WAIT_MS: String(REWARD_WAIT_MS),
  });
  const start = async () => {
    const server = await spawnServer(env());
    servers.push(server);
    const client = new RecsClient(server.target, { timeoutMs: 20_000 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    storage = await createTestStorage("real");
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    // (A process ended by a signal has exitCode null, so skip the one killed already.)
    await Promise.all(
      servers
        .filter((server) => server.child.exitCode === null && server.child.signalCode === null)
        .map(async (server) => {
          const killer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
          await server.signal("SIGTERM");
          clearTimeout(killer);
        }),
    );
    await storage?.drop();
    // The cluster's keys of this run, master by master (one DEL per key: they span slots).
    const cluster = new Cluster(TEST_REDIS_CLUSTER, { lazyConnect: true });
    try {
      await cluster.connect();
      for (const node of cluster.nodes("master")) {
        const keys = await node.keys(`${storage.env.RECS_REDIS_PREFIX}*`);
        await Promise.all(keys.map((key) => cluster.del(key)));
      }
    } finally {
      cluster.disconnect();
    }
  }, 60_000);

  it("agree exactly with a model rebuilt from the log, across a SIGKILL and for a late replica", async () => {
    const [a, b] = [await start(), await start()];
    let c = await start();
    await a.upsertItems(testCatalog(30, DIM));
    await eventually(async () => {
      for (const client of [b, c]) expect((await client.recommend({ userId: "probe", k: 1 })).items).toHaveLength(1);
    }, 10_000);

    // Feedback through A changes the next Recommend through B for the same session.
    const candidateIds = ["item-1", "item-2", "item-3", "item-4"];
    const scores = async () => {
      const rec = await b.recommend({ userId: "u-cross", sessionId: "s-cross", k: 4, candidateIds });
      return Object.fromEntries(rec.items.map((item) => [item.itemId, item.expectedReward]));
    };
    const before = await scores();
    const served = await a.recommend({ userId: "u-cross", sessionId: "s-cross", k: 4, candidateIds });
    await a.feedback({
      eventId: "cross-1",
      userId: "u-cross",
      sessionId: "s-cross",
      itemId: served.items[0]!.itemId,
      type: "PURCHASE",
      recommendationId: served.recommendationId,
    });
    const crossMs = await eventually(async () => expect(await scores()).not.toEqual(before), 5_000, 20);

    // Load over all three: served through one replica, answered through another.
    let running = true;
    let eventNo = 0;
    let acked = 0;
    const replicas = () => [a, b, c];
    const shopper = async (n: number) => {
      while (running) {
        const live = replicas();
        try {
          const rec = await live[n % 3]!.recommend({ userId: `u-${n}`, sessionId: `s-${n}`, k: 4 });
          const item = rec.items[(eventNo + n) % rec.items.length]!;
          await live[(n + 1) % 3]!.feedback({
            eventId: `ev-${n}-${++eventNo}`,
            userId: `u-${n}`,
            sessionId: `s-${n}`,
            itemId: item.itemId,
            type: eventNo % 4 ? "CLICK" : "DISMISS",
            recommendationId: rec.recommendationId,
          });
          acked++;
        } catch {
          // The replica killed below refuses calls until it is back; the load goes on elsewhere.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 9 }, (_, n) => shopper(n)));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await servers[2]!.signal("SIGKILL");
    const restarted = await start();
    c = restarted;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    running = false;
    await load;

    // Drained: the last recommendations' default rewards are given and every replica has caught up.
    const live = [a, b, c];
    await new Promise((resolve) => setTimeout(resolve, REWARD_WAIT_MS + 1_500));
    const statuses = await eventually(
      async () => {
        const now = await Promise.all(live.map((client) => client.modelStatus()));
        expect(new Set(now.map((s) => s.logPosition)).size).toBe(1);
        expect(new Set(now.map((s) => s.checksum)).size).toBe(1);
      },
      20_000,
      200,
    ).then(() => Promise.all(live.map((client) => client.modelStatus(true))));

    const rebuilt = await rebuildFromLog(storage.env.DATABASE_URL!);
    expect(Number(statuses[0]!.updateCount)).toBe(rebuilt.updateCount);
    for (const status of statuses) expectSameStatistics(decodeHybridState(status.statistics), rebuilt);
    expect(statuses[0]!.checksum).toBe(statisticsChecksum(rebuilt.bytes));

    // A fourth replica started now (snapshot + replay) holds the same model.
    const late = await start();
    const lateStatus = await late.modelStatus(true);
    expectSameStatistics(decodeHybridState(lateStatus.statistics), rebuilt);
    expect(lateStatus.checksum).toBe(statuses[0]!.checksum);

    console.info(
      `replicas: ${acked} Feedback acknowledged over 3 replicas (one SIGKILLed and restarted), ` +
        `${rebuilt.updateCount} model updates; ` +
        `all 4 replicas equal the rebuilt model (checksum ${lateStatus.checksum}); ` +
        `feedback via A reached B's Recommend in ${crossMs} ms`,
    );
  }, 180_000);
});

/** The model from nothing but the event log, as a replica with no snapshot would build it. */
async function rebuildFromLog(
  databaseUrl: string,
): Promise<HybridSnapshot & { updateCount: number; bytes: Uint8Array }> {
  const config = loadConfig({}, { embeddingDim: DIM });
  const durable = await openPostgresStores({ url: databaseUrl, embeddingDim: DIM });
  try {
    const noSnapshots = { latestPerSurface: async () => [] };
    const { surfaces } = await restoreSurfaces(
      noSnapshots,
      durable.events,
      {
        model: { dim: DIM, alpha: config.alpha, prior: modelPrior(config) },
        policy: { alpha: config.alpha, epsilon: config.epsilon },
        maxSurfaces: config.maxSurfaces,
      },
      silentLogger,
    );
    const bytes = surfaces.defaultSurface.model.bandit.exportState();
    return { ...decodeHybridState(bytes), bytes };
  } finally {
    await durable.close();
  }
}
