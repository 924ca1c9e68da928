import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { FeedbackKind } from "../state/ports";
import { DEFAULT_SURFACE } from "./model";

/** Slots counted one by one in `recs_clicks_by_position_total`; later ones share the last label. */
const COUNTED_POSITIONS = 10;

/** `surface` of feedback that answers no recommendation (organic): it trains no surface. */
export const ORGANIC_SURFACE = "(none)";
/** `surface` of feedback naming a recommendation whose serving context was not held: its surface is unknown. */
export const UNKNOWN_SURFACE = "(unknown)";
/** What the help of every metric labelled by surface says about the label's values. */
const SURFACE_LABEL = "; surface: the surface's name (at most RECS_MAX_SURFACES of them)";
const FEEDBACK_SURFACES =
  `${SURFACE_LABEL}, ${ORGANIC_SURFACE} for organic feedback, ${UNKNOWN_SURFACE} when the recommendation's ` +
  "serving context was not held";

/** One surface's counters of the Recommend path, made once per surface so a request only looks them up. */
interface ServedCounters {
  explored: Counter.Internal;
  exploited: Counter.Internal;
  empty: Counter.Internal;
}

/** Where the served model stands in the event log (`Engine.logStatus`): replica agreement, where known. */
export interface LogStatus {
  /** Every update up to this log position is in the model (`recs model status`'s log position). */
  modelPosition: string;
  /** The position of the newest logged entry. */
  newestPosition: string;
  /** Model updates other writers logged after `modelPosition`: not applied here yet. */
  updatesPending: number;
}

/** One read of the log status serves every gauge of a scrape that starts within this long. */
const LOG_STATUS_REUSE_MS = 250;

/** The engine's and the stores' metrics (issue list of DESIGN ops): one registry shared with the server. */
export class EngineMetrics {
  readonly storeDuration: Histogram<"store" | "operation">;
  readonly storeErrors: Counter<"store" | "operation">;
  readonly userCache: Counter<"result">;
  readonly degraded: Counter<"reason">;
  readonly feedback: Counter<"outcome">;
  readonly banditUpdates: Counter<"source">;
  readonly defaultRewards: Counter;
  readonly usersForgotten: Counter<"outcome">;
  readonly forgotten: Counter<"what">;
  readonly sessionUpdatesSkipped: Counter;
  readonly feedbackUntrained: Counter<"reason" | "surface">;
  readonly corruptState: Counter<"what">;
  readonly modelUpdates: Gauge<"surface">;
  /** Each surface's update count, read when metrics are collected (set by the engine that owns the models). */
  surfaceUpdateCounts: (() => Iterable<{ readonly surface: string; readonly updateCount: number }>) | null = null;
  readonly snapshotAge: Gauge;
  readonly modelLogPosition: Gauge;
  readonly logNewestPosition: Gauge;
  readonly modelUpdatesPending: Gauge;
  /** Reads the model's place in the log when metrics are collected (set by the engine that owns the model). */
  logStatus: (() => Promise<LogStatus>) | null = null;
  private logStatusRead: { atMs: number; status: Promise<LogStatus | null> } | null = null;
  readonly eventBatchSize: Histogram<"log">;
  readonly eventFlushSeconds: Histogram<"log">;
  readonly recommendedItems: Counter<"explored" | "surface">;
  readonly emptyResponses: Counter<"surface">;
  readonly feedbackByType: Counter<"type" | "answers" | "surface">;
  readonly feedbackReward: Histogram<"answers" | "surface">;
  readonly clicksByPosition: Counter<"position" | "surface">;
  readonly catalogItems: Gauge;
  private readonly servedOn = new Map<string, ServedCounters>();
  private lastSnapshotMs = 0;
  private catalogSize: () => number = () => 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.storeDuration = new Histogram({
      name: "recs_store_operation_seconds",
      help: "State-store operation latency by store and operation",
      labelNames: ["store", "operation"],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.storeErrors = new Counter({
      name: "recs_store_errors_total",
      help: "State-store operations that failed or timed out",
      labelNames: ["store", "operation"],
      registers,
    });
    this.userCache = new Counter({
      name: "recs_user_cache_total",
      help: "User cache lookups by result (hit, miss)",
      labelNames: ["result"],
      registers,
    });
    this.degraded = new Counter({
      name: "recs_degraded_responses_total",
      help: "Recommend responses served without a store, by store",
      labelNames: ["reason"],
      registers,
    });
    this.feedback = new Counter({
      name: "recs_feedback_events_total",
      help: "Feedback events by outcome (accepted, duplicate, conflict, rejected)",
      labelNames: ["outcome"],
      registers,
    });
    this.banditUpdates = new Counter({
      name: "recs_bandit_updates_total",
      help: "Bandit updates applied, by source (feedback, default_reward, replica, replay)",
      labelNames: ["source"],
      registers,
    });
    this.usersForgotten = new Counter({
      name: "recs_users_forgotten_total",
      help: "DeleteUser calls by outcome (deleted: something was removed; unknown: nothing to remove)",
      labelNames: ["outcome"],
      registers,
    });
    this.forgotten = new Counter({
      name: "recs_forgotten_total",
      help: "What DeleteUser removed, by kind (events, sessions, serving_contexts, model_updates)",
      labelNames: ["what"],
      registers,
    });
    this.defaultRewards = new Counter({
      name: "recs_default_rewards_total",
      help: "Default rewards given to shown items nobody acted on",
      registers,
    });
    this.sessionUpdatesSkipped = new Counter({
      name: "recs_session_updates_skipped_total",
      help: "Session-window appends skipped because the session store failed",
      registers,
    });
    this.feedbackUntrained = new Counter({
      name: "recs_feedback_untrained_total",
      help: `Feedback naming a recommendation whose reward could not train the model, by reason${FEEDBACK_SURFACES}`,
      labelNames: ["reason", "surface"],
      registers,
    });
    this.corruptState = new Counter({
      name: "recs_corrupt_state_total",
      help: "Stored values that failed to decode and were treated as missing",
      labelNames: ["what"],
      registers,
    });
    // With RECS_WORKERS > 1 the primary sums the workers' metrics; gauges say how they combine instead.
    const self = this;
    this.modelUpdates = new Gauge({
      name: "recs_model_updates",
      help:
        `Updates in each surface's model (its version; the sum is every surface's)${SURFACE_LABEL}; ` +
        "with several workers, the most any holds",
      labelNames: ["surface"],
      registers,
      aggregator: "max",
      collect() {
        for (const model of self.surfaceUpdateCounts?.() ?? []) this.set({ surface: model.surface }, model.updateCount);
      },
    });
    this.snapshotAge = new Gauge({
      name: "recs_model_snapshot_age_seconds",
      help: "Seconds since the last model snapshot was saved (-1 before the first); with several workers, the freshest",
      registers,
      aggregator: "min",
      collect() {
        this.set(self.lastSnapshotMs === 0 ? -1 : (Date.now() - self.lastSnapshotMs) / 1000);
      },
    });
    // A failed read leaves the last values: a scrape must not fail because the log is away.
    const logGauge = (name: string, help: string, aggregator: "min" | "max", read: (s: LogStatus) => number) =>
      new Gauge({
        name,
        help,
        registers,
        aggregator,
        async collect() {
          const status = await self.readLogStatus();
          if (status) this.set(read(status));
        },
      });
    this.modelLogPosition = logGauge(
      "recs_model_log_position",
      "Event-log position up to which the model holds every update; with several workers, the lowest",
      "min",
      (s) => Number(s.modelPosition),
    );
    this.logNewestPosition = logGauge(
      "recs_log_newest_position",
      "Position of the newest event-log entry; with several workers, the highest",
      "max",
      (s) => Number(s.newestPosition),
    );
    this.modelUpdatesPending = logGauge(
      "recs_model_updates_pending",
      "Model updates other writers logged after the model's log position, not applied yet; with several workers, " +
        "the most",
      "max",
      (s) => s.updatesPending,
    );
    this.eventBatchSize = new Histogram({
      name: "recs_event_log_batch_size",
      help: "Entries per event-log write",
      labelNames: ["log"],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    this.eventFlushSeconds = new Histogram({
      name: "recs_event_log_flush_seconds",
      help: "Event-log write latency",
      labelNames: ["log"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    // What operators alert on: what was shown, what shoppers did with it, and where in the slate.
    this.recommendedItems = new Counter({
      name: "recs_recommended_items_total",
      help: `Items served in Recommend answers, by whether the ε branch chose them (explored)${SURFACE_LABEL}`,
      labelNames: ["explored", "surface"],
      registers,
    });
    this.emptyResponses = new Counter({
      name: "recs_empty_responses_total",
      help: `Recommend answers with no items (empty catalog, or every candidate filtered out)${SURFACE_LABEL}`,
      labelNames: ["surface"],
      registers,
    });
    this.feedbackByType = new Counter({
      name: "recs_feedback_accepted_total",
      help:
        "Accepted (logged, not duplicate) feedback events by type and by whether they answer a " +
        `recommendation (answers=recommendation) or not (organic)${FEEDBACK_SURFACES}`,
      labelNames: ["type", "answers", "surface"],
      registers,
    });
    this.feedbackReward = new Histogram({
      name: "recs_feedback_reward",
      help:
        "Rewards of accepted feedback events (the sum over recommended items served is the reward rate), " +
        `by answers=recommendation|organic${FEEDBACK_SURFACES}`,
      labelNames: ["answers", "surface"],
      buckets: [-1, 0, 0.5, 1, 2, 5],
      registers,
    });
    this.clicksByPosition = new Counter({
      name: "recs_clicks_by_position_total",
      help:
        `Accepted clicks on recommended items by 0-based slot position ` +
        `(${COUNTED_POSITIONS - 1}+ for later slots); only clicks whose serving context was held${SURFACE_LABEL}`,
      labelNames: ["position", "surface"],
      registers,
    });
    this.catalogItems = new Gauge({
      name: "recs_catalog_items",
      help: "Items in this replica's catalog mirror; with several workers, the most any holds",
      registers,
      aggregator: "max",
      collect() {
        this.set(self.catalogSize());
      },
    });
    this.servedCounters(DEFAULT_SURFACE);
  }

  /** Counts one Recommend answer's items (or the empty answer) on `surface`. */
  recommended(surface: string, items: readonly { explored: boolean }[]): void {
    const counters = this.servedCounters(surface);
    if (items.length === 0) {
      counters.empty.inc();
      return;
    }
    let explored = 0;
    for (const item of items) if (item.explored) explored++;
    if (explored > 0) counters.explored.inc(explored);
    if (explored < items.length) counters.exploited.inc(items.length - explored);
  }

  /**
   * Counts one accepted feedback event; `position` is its slot when its serving context was held,
   * `surface` its recommendation's (or `ORGANIC_SURFACE`, `UNKNOWN_SURFACE`).
   */
  feedbackAccepted(
    type: FeedbackKind,
    answersRecommendation: boolean,
    reward: number,
    position: number | null,
    surface: string,
  ): void {
    const answers = answersRecommendation ? "recommendation" : "organic";
    this.feedbackByType.inc({ type, answers, surface });
    this.feedbackReward.observe({ answers, surface }, reward);
    if (type === "click" && position !== null)
      this.clicksByPosition.inc({ position: String(Math.min(position, COUNTED_POSITIONS - 1)), surface });
  }

  /**
   * A surface's Recommend counters, made at its first answer: they start at 0 (a series from the start,
   * so rates exist before the first empty answer), and their labels are built once.
   */
  private servedCounters(surface: string): ServedCounters {
    const known = this.servedOn.get(surface);
    if (known) return known;
    const counters: ServedCounters = {
      explored: this.recommendedItems.labels({ explored: "true", surface }),
      exploited: this.recommendedItems.labels({ explored: "false", surface }),
      empty: this.emptyResponses.labels({ surface }),
    };
    for (const counter of Object.values(counters)) counter.inc(0);
    this.servedOn.set(surface, counters);
    return counters;
  }

  /** Where `recs_catalog_items` reads the catalog size from. */
  watchCatalog(size: () => number): void {
    this.catalogSize = size;
  }

  private readLogStatus(): Promise<LogStatus | null> {
    const read = this.logStatus;
    if (read === null) return Promise.resolve(null);
    const now = Date.now();
    if (this.logStatusRead === null || now - this.logStatusRead.atMs > LOG_STATUS_REUSE_MS)
      this.logStatusRead = { atMs: now, status: read().catch(() => null) };
    return this.logStatusRead.status;
  }

  snapshotSaved(atMs: number): void {
    this.lastSnapshotMs = atMs;
  }
}
