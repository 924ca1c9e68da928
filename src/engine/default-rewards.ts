import { ENGINE_TIMINGS } from "./timings";
import type { Logger } from "../log";
import type { DefaultRewardRecord, EventLog, ServingContextStore } from "../state/ports";
import { examinedUpdate } from "./examination";
import type { EngineMetrics } from "./metrics";
import { OnlineModel } from "./model";
import type { WriteHold } from "./model-persistence";
import type { StoreGuard } from "./store-guard";

/** Contexts claimed per sweep at most. */
const CLAIM_BATCH = 500;
/** Records per log write at most. */
const LOG_BATCH = 1000;
/** Records kept for retry when the log is down, at most; older ones are dropped and counted. */
const MAX_PENDING = 50_000;

/**
 * Gives the default reward, once, to every shown item nobody acted on within the wait window (as Azure
 * Personalizer does): without it the bandit would only ever see successes. Due contexts are claimed by
 * exactly one replica; the rewards are logged (idempotently) before the model learns them.
 */
export class DefaultRewardSweeper implements WriteHold {
  private pending: DefaultRewardRecord[] = [];
  private running: Promise<void> | null = null;
  private held = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      servingContexts: ServingContextStore;
      events: EventLog;
      /** Where each update goes: the surface of its recommendation (`SurfaceModels`). */
      model: Pick<OnlineModel, "applyLocal">;
      guard: StoreGuard;
      metrics: EngineMetrics;
      log: Logger;
      defaultReward: number;
      /** Deadline of the claim of due contexts. */
      claimTimeoutMs: number;
      /** Exponent of the examination discount applied to each slot's update (see `examinedUpdate`). */
      positionDiscount: number;
      /**
       * The feedback flow's log writes, held during a default-reward write and until the model has
       * learned it. Model-update writes commit one at a time, in log order (the log's lock), but Postgres
       * releases that lock before the committing client hears of the commit, so without this the model
       * could learn two of this process's writes in another order than the log's, and no model rebuilt
       * from the log (`live`, a replica's replay) would match the one that served.
       */
      feedbackWrites: WriteHold;
      now?: () => number;
    },
  ) {}

  /** Sweeps every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async hold<T>(fn: () => Promise<T>): Promise<T> {
    this.held++;
    try {
      while (this.running) await this.running;
      return await fn();
    } finally {
      this.held--;
    }
  }

  /** Drops the user's claimed default rewards not logged yet (DeleteUser): they must never train the model. */
  forgetUser(userId: string): number {
    const before = this.pending.length;
    this.pending = this.pending.filter((record) => record.userId !== userId);
    return before - this.pending.length;
  }

  /** One sweep: claim what is due, log its default rewards, apply them. Returns the rewards applied. */
  async sweep(): Promise<number> {
    if (this.running || this.held > 0) return 0;
    let applied = 0;
    this.running = (async () => {
      const now = (this.deps.now ?? Date.now)();
      const { value: due } = await this.deps.guard.orElse(
        "serving_store",
        "claim_due",
        () => this.deps.servingContexts.claimDue(now, CLAIM_BATCH),
        [],
        this.deps.claimTimeoutMs,
      );
      for (const { context, rewardedItemIds } of due) {
        const rewarded = new Set(rewardedItemIds);
        for (const item of context.items) {
          if (rewarded.has(item.itemId)) continue;
          this.pending.push({
            recommendationId: context.recommendationId,
            userId: context.userId,
            occurredAtMs: now,
            update: examinedUpdate(
              item,
              this.deps.defaultReward,
              this.deps.positionDiscount,
              OnlineModel.surfaceOfVersion(context.modelVersion),
            ),
          });
        }
      }
      if (this.pending.length > MAX_PENDING) {
        const dropped = this.pending.length - MAX_PENDING;
        this.pending = this.pending.slice(dropped);
        this.deps.log.warn({ dropped }, "default rewards dropped: the event log has been unavailable too long");
      }
      if (this.pending.length === 0) return;
      const batch = this.pending.splice(0, LOG_BATCH);
      const logAndLearn = async () => {
        const logged = await this.deps.guard.run(
          "event_log",
          "append_default_rewards",
          () => this.deps.events.appendDefaultRewards(batch),
          ENGINE_TIMINGS.defaultRewardLogTimeoutMs,
        );
        for (const record of logged) this.deps.model.applyLocal(record.update);
        return logged;
      };
      try {
        const logged = await this.deps.feedbackWrites.hold(logAndLearn);
        applied += logged.length;
        this.deps.metrics.defaultRewards.inc(logged.length);
        this.deps.metrics.banditUpdates.inc({ source: "default_reward" }, logged.length);
      } catch (err) {
        this.pending.unshift(...batch);
        this.deps.log.warn({ err, waiting: this.pending.length }, "default rewards not logged yet; will retry");
      }
    })().finally(() => {
      this.running = null;
    });
    await this.running;
    return applied;
  }
}
