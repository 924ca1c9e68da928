import { Writable } from "node:stream";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeHybridState } from "../../src/bandit/hybrid-snapshot";
import { RecsClient } from "../../src/client/recs-client";
import { loadConfig, type Config } from "../../src/config";
import { CatalogMirror } from "../../src/engine/catalog-mirror";
import { DEFAULT_PRIOR, OnlineModel } from "../../src/engine/model";
import { restoreSurfaces } from "../../src/engine/model-persistence";
import { createLogger, silentLogger } from "../../src/log";
import { startService, type RunningService } from "../../src/service";
import type { EventLog, ModelSnapshot } from "../../src/state/ports";
import { eventually } from "../helpers/eventually";
import { spawnServer, type ServerProcess } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import {
  codeOf,
  createTestStorage,
  startTestService,
  testCatalog,
  type StoreKind,
  type TestStorage,
} from "../helpers/service";
import { expectSameStatistics, expectClose } from "../helpers/model-statistics";

const DIM = 8;
// Long enough that a click lands before its recommendation is due, on a loaded machine too.
const REWARD_WAIT_MS = 2_000;
const kinds: StoreKind[] = ["embedded", "real"];
const realStores = async () => (await postgresAvailable()) && (await redisAvailable());

/** One shopper's scripted visit: two recommendations, a click and a dismiss on each, an organic purchase. */
async function visit(
  client: RecsClient,
  userId: string,
  positives: Array<{ itemId: string; weight: number; organic: boolean }>,
) {
  for (let round = 0; round < 2; round++) {
    const sessionId = `${userId}-s${round}`;
    const rec = await client.recommend({ userId, sessionId, k: 4, context: { device: round ? "mobile" : "desktop" } });
    expect(rec.items).toHaveLength(4);
    const [clicked, dismissed, , organic] = rec.items.map((item) => item.itemId);
    const base = { userId, sessionId };
    await client.feedback({
      ...base,
      eventId: `${userId}-c${round}`,
      itemId: clicked!,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    await client.feedback({
      ...base,
      eventId: `${userId}-d${round}`,
      itemId: dismissed!,
      type: "DISMISS",
      recommendationId: rec.recommendationId,
    });
    await client.feedback({ ...base, eventId: `${userId}-p${round}`, itemId: organic!, type: "PURCHASE" });
    positives.push({ itemId: clicked!, weight: 1, organic: false }, { itemId: organic!, weight: 5, organic: true });
  }
}

/** A model trained on nothing but the log's updates as they stand (the forgotten user's are tombstones). */
async function trainedOnLog(events: EventLog, config: Config): Promise<OnlineModel> {
  const model = OnlineModel.create(modelOptions(config));
  for (let after = "0"; ; ) {
    const page = await events.modelUpdatesSince(after, 1000);
    for (const update of page) if (update.effect === "add") model.apply(update);
    if (page.length < 1000) return model;
    after = page.at(-1)!.seq;
  }
}

function surfaceOptions(config: Config) {
  return {
    model: modelOptions(config),
    policy: { alpha: config.alpha, epsilon: config.epsilon },
    maxSurfaces: config.maxSurfaces,
  };
}

function modelOptions(config: Config) {
  return {
    dim: config.embeddingDim,
    alpha: config.alpha,
    // DEFAULT_PRIOR first: any part of the prior the configuration does not name here keeps its default.
    prior: {
      ...DEFAULT_PRIOR,
      session: config.priorSession,
      longTerm: config.priorLongTerm,
      strength: config.priorStrength,
    },
  };
}

const statisticsOf = (model: OnlineModel) => decodeHybridState(model.bandit.exportState());

describe.each(kinds)("DeleteUser over a socket (%s stores)", (kind) => {
  let storage: TestStorage;
  let service: RunningService;
  let client: RecsClient;
  let config: Config;
  let enabled = true;
  const logged: string[] = [];

  const start = async () => {
    config = loadConfig(
      {},
      {
        port: 0,
        loadSampleCatalog: "never",
        embeddingDim: DIM,
        storeTimeoutMs: 500,
        rewardWaitMs: REWARD_WAIT_MS,
        snapshotIntervalS: 1,
        ...storage.overrides,
      },
    );
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    service = await startService(config, createLogger("info", sink), { seed: 7 });
    client = new RecsClient(`127.0.0.1:${service.port}`);
  };

  beforeAll(async () => {
    if (kind === "real" && !(await realStores())) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    await start();
    await client.upsertItems(testCatalog(30, DIM));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await storage?.drop();
  });

  it("forgets exactly: model, popularity, profile, sessions and log equal a world without the user", async (ctx) => {
    if (!enabled) return ctx.skip();
    const kept: Array<{ itemId: string; weight: number; organic: boolean }> = [];
    await visit(client, "keep", kept);
    await visit(client, "gone", []);
    const { events } = service.stores.durable;
    // Each recommendation: a click and a dismiss answer it, the two others get the default reward.
    await eventually(async () => {
      expect((await events.modelUpdatesSince("0", 100)).length).toBe(16);
      expect(service.engine.model.updateCount).toBe(16);
    }, 10_000);
    // A snapshot taken before the deletion, to replay the deletion from later.
    let older: ModelSnapshot | null = null;
    await eventually(async () => {
      older = await service.stores.durable.snapshots.latest();
      expect(OnlineModel.fromSnapshot(older!.data, modelOptions(config))?.updateCount).toBe(16);
    }, 10_000);

    const keepBefore = await client.getUserState("keep", "keep-s1");
    const ack = await client.deleteUser("gone");
    // 2 impressions, 6 feedback events, 4 default rewards; the two sessions the feedback went to.
    expect(ack).toEqual({ eventsDeleted: "12", sessionsDeleted: "2", modelUpdated: true });

    const expected = await trainedOnLog(events, config);
    expect(expected.updateCount).toBe(8);
    const status = await client.modelStatus(true);
    expectSameStatistics(decodeHybridState(status.statistics), statisticsOf(expected));
    expect(Number(status.updateCount)).toBe(8);

    // Popularity as if the user's positive feedback never came: the kept user's, in the order sent.
    const mirror = new CatalogMirror(DIM);
    mirror.apply([...service.engine.catalog.itemsAt([...Array(service.engine.catalog.size).keys()])]);
    for (const p of kept) mirror.recordPositive(p.itemId, p.weight, p.organic);
    for (let i = 0; i < mirror.size; i++) {
      expectClose([service.engine.catalog.popularityOf(i)], [mirror.popularityOf(i)], `popularity of ${i}`);
      expectClose([service.engine.catalog.popularityLift(i)], [mirror.popularityLift(i)], `lift of ${i}`);
    }

    const gone = await client.getUserState("gone", "gone-s0");
    expect(gone).toMatchObject({ longTermEmbedding: [], interactionCount: "0", session: [], updatedAtMs: "0" });
    expect((await client.getUserState("gone", "gone-s1")).session).toEqual([]);
    // The other shopper's state is untouched.
    const keep = await client.getUserState("keep", "keep-s1");
    expect(keep).toEqual(keepBefore);
    expect(keep.interactionCount).toBe("6");
    expect(keep.session).toHaveLength(3);

    // A second call is a no-op.
    expect(await client.deleteUser("gone")).toEqual({ eventsDeleted: "0", sessionsDeleted: "0", modelUpdated: false });
    expect((await client.modelStatus()).checksum).toBe(status.checksum);

    // Replaying the log from the snapshot taken before the deletion takes it back too.
    const replayed = await restoreSurfaces(
      { latestPerSurface: async () => (older ? [older] : []) },
      events,
      surfaceOptions(config),
      silentLogger,
    );
    expectSameStatistics(statisticsOf(replayed.surfaces.defaultSurface.model), statisticsOf(expected));
    // So does a model from the log alone (no snapshot): it never had the user's updates.
    const fromLog = await restoreSurfaces(
      { latestPerSurface: async () => [] },
      events,
      surfaceOptions(config),
      silentLogger,
    );
    expectSameStatistics(statisticsOf(fromLog.surfaces.defaultSurface.model), statisticsOf(expected));

    // Counted; logged without the id.
    const forgotten = await service.engine.metrics.usersForgotten.get();
    expect(Object.fromEntries(forgotten.values.map((v) => [v.labels.outcome, v.value]))).toEqual({
      deleted: 1,
      unknown: 1,
    });
    const lines = logged.filter((line) => line.includes("user forgotten"));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain("gone");

    // A restart (final snapshot after the deletion) does not bring it back.
    client.close();
    await service.stop();
    await start();
    const restarted = await client.modelStatus(true);
    expectSameStatistics(decodeHybridState(restarted.statistics), statisticsOf(expected));
    expect((await client.getUserState("gone", "")).interactionCount).toBe("0");
  }, 60_000);

  it("rejects a bad user_id with INVALID_ARGUMENT naming the field; an unknown user is zeros", async (ctx) => {
    if (!enabled) return ctx.skip();
    for (const bad of ["", "x".repeat(257)]) {
      const { code, details } = await codeOf(client.deleteUser(bad));
      expect(code).toBe(status.INVALID_ARGUMENT);
      expect(details).toContain("user_id");
    }
    expect(await client.deleteUser("never-seen")).toEqual({
      eventsDeleted: "0",
      sessionsDeleted: "0",
      modelUpdated: false,
    });
  });
});

describe("DeleteUser with two replica processes on one Postgres", () => {
  it("the other replica takes the user's updates back from the log, its own among them", async (ctx) => {
    if (!(await realStores())) return ctx.skip();
    const storage = await createTestStorage("real");
    const a = await startTestService(storage, { rewardWaitMs: REWARD_WAIT_MS, snapshotIntervalS: 3600 });
    let b: ServerProcess | undefined;
    let bClient: RecsClient | undefined;
    try {
      b = await spawnServer({
        ...storage.env,
        RECS_EMBEDDING_DIM: String(DIM),
        RECS_LOAD_SAMPLE_CATALOG: "never",
        RECS_REWARD_WAIT_MS: String(REWARD_WAIT_MS),
      });
      bClient = new RecsClient(b.target, { timeoutMs: 20_000 });
      await a.client.upsertItems(testCatalog(30, DIM));
      const replica = bClient;
      await eventually(
        async () => expect((await replica.recommend({ userId: "probe", k: 4 })).items).toHaveLength(4),
        10_000,
      );
      const { events } = a.service.stores.durable;
      // The probes' default rewards first (4 per probe), so the count below is the visits'.
      await new Promise((resolve) => setTimeout(resolve, REWARD_WAIT_MS + 1_500));
      const probes = (await events.modelUpdatesSince("0", 1000)).length;
      // The forgotten user's updates are logged (and applied) by B; the deletion goes through A.
      await visit(replica, "gone", []);
      await visit(a.client, "keep", []);
      await eventually(async () => {
        expect((await events.modelUpdatesSince("0", 1000)).length).toBe(probes + 16);
        const [sa, sb] = await Promise.all([a.client.modelStatus(), replica.modelStatus()]);
        expect(sa.updateCount).toBe(String(probes + 16));
        expect(sb.checksum).toBe(sa.checksum);
      }, 15_000);

      expect(await a.client.deleteUser("gone")).toEqual({
        eventsDeleted: "12",
        sessionsDeleted: "2",
        modelUpdated: true,
      });
      const expected = statisticsOf(await trainedOnLog(events, a.config));
      expectSameStatistics(decodeHybridState((await a.client.modelStatus(true)).statistics), expected);
      await eventually(async () => expect((await replica.modelStatus()).updateCount).toBe(String(probes + 8)), 10_000);
      expectSameStatistics(decodeHybridState((await replica.modelStatus(true)).statistics), expected);
      expect((await replica.getUserState("gone", "gone-s0")).session).toEqual([]);
    } finally {
      bClient?.close();
      if (b && b.child.exitCode === null) await b.signal("SIGTERM");
      a.client.close();
      await a.service.stop();
      await storage.drop();
    }
  }, 90_000);
});
