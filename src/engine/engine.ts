import { randomInt } from "node:crypto";
import type { Registry } from "prom-client";
import { seededRandom } from "../bandit/rng";
import type { Config } from "../config";
import { defaultRewardSweepMs, ENGINE_TIMINGS } from "./timings";
import { Unavailable } from "../errors";
import type { Logger } from "../log";
import type { CatalogItem, DurableStores, EphemeralStores, ImpressionRecord } from "../state/ports";
import { CachedServingContextStore } from "../state/cached-serving-context-store";
import { Batcher } from "./batcher";
import { CatalogMirror } from "./catalog-mirror";
import { DefaultRewardSweeper } from "./default-rewards";
import { FeedbackFlow } from "./feedback";
import { ForgetUserFlow, type ForgetUserResult } from "./forget-user";
import { RankBuffers } from "./ranker";
import type { RawItem } from "./item-validation";
import { EngineMetrics, type LogStatus } from "./metrics";
import type { OnlineModel } from "./model";
import { LogFollower } from "./log-follower";
import { restoreSurfaces, saveSnapshot, surfaceOptions } from "./model-persistence";
import { SettingsFollower } from "./surface-settings";
import { DEFAULT_SURFACE, type SurfaceModels } from "./surfaces";
import { countLoggedPopularity, recountOwnPopularity } from "./logged-popularity";
import { recommend, type RecommendDeps } from "./recommend";
import { logStatus, surfaceStatus, type ModelStatusOutput } from "./replica-status";
import { StoreGuard } from "./store-guard";
import type {
  BulkSummary,
  FeedbackInput,
  FeedbackResult,
  RecommendInput,
  RecommendOutput,
  UserStateOutput,
} from "./types";
import { UserCache } from "./user-cache";
import type { StreamEntry } from "./bulk-summary";
import { ingestFeedbackStream, upsertItemStream } from "./bulk-ingest";
import { Timers } from "./timers";

export type { StreamEntry, ModelStatusOutput };

export interface EngineOptions {
  config: Config;
  durable: DurableStores;
  ephemeral: EphemeralStores;
  logger: Logger;
  registry: Registry;
  /** Seed of the exploration random source; random by default. */
  seed?: number;
  /** Metrics already registered on `registry` (when the stores report into them before the engine starts). */
  metrics?: EngineMetrics;
}

/**
 * The domain: recommend and feedback flows over the state ports, the online model, and the background
 * work that keeps them current (catalog polling, default rewards, model exchange, snapshots, retention).
 */
export class Engine {
  readonly metrics: EngineMetrics;
  private readonly timers = new Timers();
  private closed = false;

  private constructor(
    private readonly options: EngineOptions,
    readonly catalog: CatalogMirror,
    /** Every surface's model and settings. */
    readonly surfaces: SurfaceModels,
    private readonly guard: StoreGuard,
    private readonly users: UserCache,
    private readonly feedbackFlow: FeedbackFlow,
    private readonly impressions: Batcher<ImpressionRecord, void>,
    private readonly sweeper: DefaultRewardSweeper,
    private readonly recommendDeps: RecommendDeps,
    metrics: EngineMetrics,
    private readonly follower: LogFollower,
    private readonly forgetting: ForgetUserFlow,
    private readonly settings: SettingsFollower,
  ) {
    this.metrics = metrics;
  }

  /** The default surface's model. */
  get model(): OnlineModel {
    return this.surfaces.defaultSurface.model;
  }

  /** Loads the catalog and the model (snapshot + replay), then starts the background work. */
  static async start(options: EngineOptions): Promise<Engine> {
    const { config, durable, ephemeral, logger } = options;
    const metrics = options.metrics ?? new EngineMetrics(options.registry);
    const guard = new StoreGuard({
      timeoutMs: config.storeTimeoutMs,
      onFailure: (store, operation) => metrics.storeErrors.inc({ store, operation }),
      onSettled: (store, operation, seconds) => metrics.storeDuration.observe({ store, operation }, seconds),
    });
    const catalog = new CatalogMirror(config.embeddingDim);
    await catalog.pull(durable.items);
    const popular = await countLoggedPopularity(catalog, durable.events);
    metrics.watchCatalog(() => catalog.size);
    const restored = await restoreSurfaces(durable.snapshots, durable.events, surfaceOptions(config), logger);
    const surfaces = restored.surfaces;
    // Each surface's settings from its newest record before the first answer; then followed (background).
    const settings = new SettingsFollower(durable.settings, surfaces, logger.child({ flow: "settings" }));
    await settings.catchUp();
    logger.info(
      {
        items: catalog.size,
        popular,
        surfaces: surfaces.all().map((s) => s.model.version),
        replayed: restored.replayed,
      },
      "engine state loaded",
    );
    metrics.banditUpdates.inc({ source: "replay" }, restored.replayed);
    const users = new UserCache(durable.users, config.userCacheSize);
    const impressions = new Batcher<ImpressionRecord, void>({
      flush: async (records) => {
        await durable.events.appendImpressions(records);
        return records.map(() => undefined);
      },
      maxBatch: 500,
      maxDelayMs: ENGINE_TIMINGS.impressionBatchDelayMs,
      maxQueued: 50_000,
    });
    impressions.onFlush = (size, seconds) => {
      metrics.eventBatchSize.observe({ log: "impressions" }, size);
      metrics.eventFlushSeconds.observe({ log: "impressions" }, seconds);
    };
    const servingContexts = new CachedServingContextStore(ephemeral.servingContexts, config.rewardWaitMs);
    // Every flow's `model` is all the surfaces: an update goes to its own surface's model.
    const common = { catalog, users, guard, metrics, model: surfaces };
    const feedbackFlow = new FeedbackFlow({
      ...common,
      events: durable.events,
      sessions: ephemeral.sessions,
      servingContexts,
      log: logger.child({ flow: "feedback" }),
      rewards: config.rewards,
      learningRate: config.learningRate,
      positionDiscount: config.positionDiscount,
      // Not the Recommend deadline: a reward whose serving context is not read in time never trains
      // the model, so under load this read may wait; a dead store still costs it only until the
      // breaker opens.
      servingReadTimeoutMs: Math.max(config.storeTimeoutMs, config.offPathStoreTimeoutMs),
      profileReadTimeoutMs: config.offPathStoreTimeoutMs,
      commitTimeoutMs: config.feedbackCommitTimeoutMs,
    });
    const sweeper = new DefaultRewardSweeper({
      servingContexts,
      events: durable.events,
      model: surfaces,
      guard,
      metrics,
      log: logger.child({ flow: "default-rewards" }),
      defaultReward: config.defaultReward,
      claimTimeoutMs: config.offPathStoreTimeoutMs,
      positionDiscount: config.positionDiscount,
      feedbackWrites: feedbackFlow.batcher,
    });
    const recommendDeps: RecommendDeps = {
      ...common,
      sessions: ephemeral.sessions,
      servingContexts,
      impressions,
      log: logger.child({ flow: "recommend" }),
      surfaces,
      rng: seededRandom(options.seed ?? randomInt(2 ** 31)),
      candidates: { retrieve: config.candidates, excludeSessionItems: config.excludeSessionItems },
      servingWriteTimeoutMs: Math.max(config.storeTimeoutMs, ENGINE_TIMINGS.servingWriteMinTimeoutMs),
      rankBuffers: new RankBuffers(surfaces.defaultSurface.model.spec),
    };
    const recount = recountOwnPopularity(catalog, durable.events);
    const follower = new LogFollower(
      surfaces,
      durable.events,
      restored.position,
      (applied) => metrics.banditUpdates.inc({ source: "replica" }, applied),
      // Another replica forgot a user: its removals are applied; this replica's popularity counts are
      // made of its own feedback, so it recounts them itself (with no feedback write in flight).
      (page) => {
        metrics.forgotten.inc({ what: "model_updates" }, page.removed);
        if (page.recountItems.length === 0) return;
        void feedbackFlow.batcher
          .hold(() => recount(page.recountItems))
          .catch((err: unknown) => logger.warn({ err }, "could not recount popularity after a DeleteUser elsewhere"));
      },
    );
    const forgetting = new ForgetUserFlow({
      events: durable.events,
      sessions: ephemeral.sessions,
      servingContexts,
      model: surfaces,
      follower,
      sweeper,
      feedbackWrites: feedbackFlow.batcher,
      users,
      guard,
      metrics,
      log: logger.child({ flow: "forget-user" }),
      storeTimeoutMs: config.offPathStoreTimeoutMs,
      onForgotten: recount,
    });
    const engine = new Engine(
      options,
      catalog,
      surfaces,
      guard,
      users,
      feedbackFlow,
      impressions,
      sweeper,
      recommendDeps,
      metrics,
      follower,
      forgetting,
      settings,
    );
    engine.startBackgroundWork();
    return engine;
  }

  /** One surface's model status (`surfaceStatus`), at the log position this replica follows. */
  modelStatus(includeStatistics = false, surfaceName = DEFAULT_SURFACE): ModelStatusOutput {
    return surfaceStatus(this.surfaces, surfaceName, this.follower.position, includeStatistics);
  }

  /** Replica agreement: the model's log position, the log's newest, the other writers' updates between. */
  logStatus(): Promise<LogStatus> {
    const { durable, config } = this.options;
    return logStatus(durable.events, this.guard, this.follower.position, config.offPathStoreTimeoutMs);
  }

  /** DeleteUser: forgets the user everywhere, their contribution to the model included (`ForgetUserFlow`). */
  forgetUser(userId: string): Promise<ForgetUserResult> {
    return this.forgetting.forget(userId);
  }

  /** Days of event log kept: the oldest feedback time validation lets through (older would be swept away). */
  get eventRetentionDays(): number {
    return this.options.config.eventRetentionDays;
  }

  recommend(input: RecommendInput): Promise<RecommendOutput> {
    return recommend(this.recommendDeps, input);
  }

  feedback(input: FeedbackInput): Promise<FeedbackResult> {
    return this.feedbackFlow.handle(input);
  }

  /** Bulk feedback: each event is accepted, a duplicate, or rejected with its reason; the rest go on. */
  ingestFeedback(stream: AsyncIterable<StreamEntry<FeedbackInput>>): Promise<BulkSummary> {
    return ingestFeedbackStream(stream, this.feedbackFlow, () => this.metrics.feedback.inc({ outcome: "rejected" }));
  }

  /** The user's long-term state and the session window (newest first). */
  async userState(userId: string, sessionId: string): Promise<UserStateOutput> {
    const profile = await this.guard
      .run("user_store", "get_user", () => this.users.get(userId), this.options.config.offPathStoreTimeoutMs)
      .catch((err: unknown) => {
        throw new Unavailable("the user store is unavailable: retry later", { cause: err });
      });
    const session =
      sessionId === ""
        ? []
        : await this.guard
            .run(
              "session_store",
              "read_window",
              () => this.options.ephemeral.sessions.window(sessionId),
              this.options.config.offPathStoreTimeoutMs,
            )
            .catch((err: unknown) => {
              throw new Unavailable("the session store is unavailable: retry later", { cause: err });
            });
    return {
      userId,
      longTermEmbedding: profile?.embedding ? Array.from(profile.embedding) : [],
      interactionCount: profile?.interactionCount ?? 0,
      session,
      updatedAtMs: profile?.updatedAtMs ?? 0,
    };
  }

  /**
   * Validates and upserts a stream of items in batches; bad items are rejected, the rest go in. An item
   * with no embedding and `available` set changes only the availability of a known item.
   */
  upsertItems(stream: AsyncIterable<StreamEntry<RawItem>>): Promise<BulkSummary> {
    return upsertItemStream(stream, this.options.durable.items, this.catalog, this.options.config.embeddingDim);
  }

  /** Gives due default rewards now rather than at the next tick (the simulator runs on its own clock). */
  sweepDefaultRewards(): Promise<number> {
    return this.sweeper.sweep();
  }

  getItem(itemId: string): CatalogItem | undefined {
    return this.catalog.get(itemId);
  }

  /** Writes everything pending, saves a final snapshot, and stops the background work. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.stopAll();
    this.sweeper.stop();
    this.follower.stop();
    const { durable, logger } = this.options;
    await Promise.allSettled([this.feedbackFlow.drain(), this.impressions.drain()]);
    await this.publishOutgoing();
    try {
      const saved = await saveSnapshot(this.surfaces, durable.snapshots, this.positionNow, [
        this.feedbackFlow.batcher,
        this.sweeper,
        this.forgetting,
      ]);
      logger.info(
        { position: saved.position, bytes: saved.bytes, surfaces: this.surfaces.all().map((s) => s.model.version) },
        "final model snapshot saved",
      );
    } catch (err) {
      logger.error({ err }, "final model snapshot failed; the next start replays the event log instead");
    }
  }

  private startBackgroundWork(): void {
    const { config, durable, ephemeral, logger } = this.options;
    // Other replicas' updates come from the log, in its order (LogFollower); a batch on the bus only
    // says there is something to read, and the timer catches up when the bus is quiet or down.
    ephemeral.modelBus.subscribe(() => this.follower.soon());
    this.timers.every(ENGINE_TIMINGS.modelPublishIntervalMs, () => this.publishOutgoing());
    let logAway = false;
    this.timers.every(ENGINE_TIMINGS.logFollowIntervalMs, async () => {
      // Logged once per outage, not twice a second.
      try {
        await this.follower.catchUp();
        if (logAway) logger.info("following the event log again");
        logAway = false;
      } catch (err) {
        if (!logAway) logger.warn({ err }, "cannot read other replicas' model updates from the event log; retrying");
        logAway = true;
      }
    });
    // Settings records (`recs promote`, `recs rollback`) reach every replica within this interval.
    this.timers.every(ENGINE_TIMINGS.settingsPollIntervalMs, async () => {
      await this.settings.catchUp();
    });
    this.timers.every(ENGINE_TIMINGS.catalogPollIntervalMs, async () => {
      await this.catalog.pull(durable.items);
    });
    this.sweeper.start(defaultRewardSweepMs(config.rewardWaitMs));
    this.timers.every(config.snapshotIntervalS * 1000, async () => {
      const saved = await saveSnapshot(this.surfaces, durable.snapshots, this.positionNow, [
        this.feedbackFlow.batcher,
        this.sweeper,
        this.forgetting,
      ]);
      this.metrics.snapshotSaved(Date.now());
      logger.debug({ position: saved.position, bytes: saved.bytes }, "model snapshot saved");
    });
    this.timers.every(
      ENGINE_TIMINGS.retentionIntervalMs,
      async () => {
        const removed = await durable.events.enforceRetention(Date.now(), config.eventRetentionDays);
        if (removed > 0) logger.info({ removed }, "event log retention applied");
      },
      true,
    );
    this.timers.onError = (err) => logger.warn({ err }, "background task failed; it will run again");
    // Read at scrape time: updates applied from other replicas count as soon as they are applied.
    this.metrics.surfaceUpdateCounts = () => this.surfaces.all().map((s) => s.model);
    this.metrics.logStatus = () => this.logStatus();
  }

  /** Catches the model up to the log and returns the position it then holds (see `saveSnapshot`). */
  private readonly positionNow = async (): Promise<string> => {
    await this.follower.catchUp();
    return this.follower.position;
  };

  private async publishOutgoing(): Promise<void> {
    const outgoing = this.surfaces.takeOutgoing();
    if (outgoing.length === 0) return;
    await this.options.ephemeral.modelBus.publish(outgoing).catch((err: unknown) => {
      this.options.logger.warn({ err, updates: outgoing.length }, "model updates not published to other replicas");
    });
  }
}
