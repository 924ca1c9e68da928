import calculateSlot from "cluster-key-slot";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisKeys } from "../../src/state/redis/redis-keys";
import { canStartRedisCluster, startThrowawayCluster, type ThrowawayCluster } from "../helpers/redis-cluster";
import { postgresAvailable } from "../helpers/servers";
import {
  createTestStorage,
  startTestService,
  testCatalog,
  type TestService,
  type TestStorage,
} from "../helpers/service";
import { eventually, FAULT_CONFIG } from "./harness";

const enabled = (await postgresAvailable()) && canStartRedisCluster();
/** Its own ports: this suite kills a node, so it must not use the shared cluster on 7000-7005. */
const FIRST_PORT = 7100;

describe.runIf(enabled)("Redis Cluster failover under traffic", () => {
  let cluster: ThrowawayCluster;
  let storage: TestStorage;
  let t: TestService;

  beforeAll(async () => {
    cluster = await startThrowawayCluster(FIRST_PORT);
    storage = await createTestStorage("real");
    t = await startTestService(storage, { ...FAULT_CONFIG, redisUrl: undefined, redisCluster: cluster.seeds });
    // More items than a session window holds (50): each shopper clicks a new item every turn, and the
    // window's items are left out of its candidates, so a small catalog would run out of candidates.
    await t.client.upsertItems(testCatalog(200));
  }, 90_000);

  afterAll(async () => {
    t?.client.close();
    await t?.service.stop(1_000).catch(() => undefined);
    await storage?.drop();
    await cluster?.stop();
  });

  it("keeps Recommend OK and every acknowledged Feedback while a master fails over, " +
    "then heals without a restart", async () => {
    const prefix = storage.overrides.redisPrefix as string;
    const keys = redisKeys(prefix);
    const session = "s-failover";
    const victim = await cluster.masterOf(calculateSlot(keys.session(session)));
    const survivor = cluster.ports.find((port) => port !== victim)!;
    const warm = await t.client.recommend({ userId: "u-failover", sessionId: session, k: 3 });
    expect(warm.degraded).toEqual([]);

    // Traffic: sessions over every slot, one on the victim's; each Feedback answers the last Recommend.
    const acked: string[] = [];
    const failures: string[] = [];
    let degraded = 0;
    let recommends = 0;
    let running = true;
    let eventNo = 0;
    const shopper = async (n: number) => {
      const sessionId = n === 0 ? session : `s-${n}`;
      while (running) {
        try {
          const rec = await t.client.recommend({ userId: `u-${n}`, sessionId, k: 3 });
          recommends++;
          if (rec.degraded.includes("session_store")) degraded++;
          const eventId = `ev-${n}-${++eventNo}`;
          await t.client.feedback({
            eventId,
            userId: `u-${n}`,
            sessionId,
            itemId: rec.items[0]!.itemId,
            type: "CLICK",
            recommendationId: rec.recommendationId,
          });
          acked.push(eventId);
        } catch (err) {
          failures.push(String((err as Error).message));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const traffic = Promise.all(Array.from({ length: 6 }, (_, n) => shopper(n)));
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const killedAt = Date.now();
    await cluster.kill(victim);
    // The victim's replica takes over its slots once the others mark it failed (node timeout 2 s).
    await eventually(
      async () => {
        expect(await cluster.cli(survivor, "cluster", "info")).toContain("cluster_state:ok");
        expect(await cluster.masterOf(calculateSlot(keys.session(session)), survivor)).not.toBe(victim);
      },
      30_000,
      200,
    );
    const promotedMs = Date.now() - killedAt;

    // Healthy again without a restart: no degradation, and the session window takes writes.
    const healedMs = await eventually(
      async () => {
        const rec = await t.client.recommend({ userId: "u-failover", sessionId: session, k: 3 });
        expect(rec.degraded).toEqual([]);
        await t.client.feedback({
          eventId: `ev-heal-${++eventNo}`,
          userId: "u-failover",
          sessionId: session,
          itemId: rec.items[1]!.itemId,
          type: "CLICK",
          recommendationId: rec.recommendationId,
        });
        const state = await t.client.getUserState("u-failover", session);
        expect(state.session[0]!.itemId).toBe(rec.items[1]!.itemId);
      },
      20_000,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await traffic;
    console.info(
      `failover: replica promoted ${promotedMs} ms after the kill, service healthy ${healedMs} ms later; ` +
        `${recommends} Recommend OK (${degraded} degraded), ` +
        `${acked.length} Feedback acknowledged, ${failures.length} calls failed`,
    );

    expect(failures).toEqual([]);
    expect(degraded).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: storage.overrides.databaseUrl as string });
    await db.connect();
    try {
      const { rows } = await db.query<{ event_id: string }>(
        "SELECT event_id FROM events WHERE kind = 'feedback' AND event_id = ANY($1)",
        [acked],
      );
      expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(acked));
    } finally {
      await db.end();
    }
  }, 120_000);
});
