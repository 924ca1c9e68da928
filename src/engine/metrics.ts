import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The engine's and the stores' metrics (issue list of DESIGN ops): one registry shared with the server. */
export class EngineMetrics {
  readonly storeDuration: Histogram<"store" | "operation">;
  readonly storeErrors: Counter<"store" | "operation">;
  readonly userCache: Counter<"result">;
  readonly degraded: Counter<"reason">;
  readonly feedback: Counter<"outcome">;
  readonly banditUpdates: Counter<"source">;
  readonly defaultRewards: Counter;
  readonly sessionUpdatesSkipped: Counter;
  readonly feedbackUntrained: Counter<"reason">;
  readonly corruptState: Counter<"what">;
  readonly modelUpdates: Gauge;
  readonly snapshotAge: Gauge;
  readonly eventBatchSize: Histogram<"log">;
  readonly eventFlushSeconds: Histogram<"log">;
  private lastSnapshotMs = 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.storeDuration = new Histogram({
      name: "recs_store_operation_seconds",
      help: "State-store operation latency by store and operation",
      labelNames: ["store", "operation"],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.storeErrors = new Counter({ name: "recs_store_errors_total", help: "State-store operations that failed or timed out", labelNames: ["store", "operation"], registers });
    this.userCache = new Counter({ name: "recs_user_cache_total", help: "User cache lookups by result (hit, miss)", labelNames: ["result"], registers });
    this.degraded = new Counter({ name: "recs_degraded_responses_total", help: "Recommend responses served without a store, by store", labelNames: ["reason"], registers });
    this.feedback = new Counter({ name: "recs_feedback_events_total", help: "Feedback events by outcome (accepted, duplicate, conflict, rejected)", labelNames: ["outcome"], registers });
    this.banditUpdates = new Counter({ name: "recs_bandit_updates_total", help: "Bandit updates applied, by source (feedback, default_reward, replica, replay)", labelNames: ["source"], registers });
    this.defaultRewards = new Counter({ name: "recs_default_rewards_total", help: "Default rewards given to shown items nobody acted on", registers });
    this.sessionUpdatesSkipped = new Counter({ name: "recs_session_updates_skipped_total", help: "Session-window appends skipped because the session store failed", registers });
    this.feedbackUntrained = new Counter({
      name: "recs_feedback_untrained_total",
      help: "Feedback naming a recommendation whose reward could not train the model, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.corruptState = new Counter({ name: "recs_corrupt_state_total", help: "Stored values that failed to decode and were treated as missing", labelNames: ["what"], registers });
    // With RECS_WORKERS > 1 the primary sums the workers' metrics; gauges say how they combine instead.
    this.modelUpdates = new Gauge({ name: "recs_model_updates", help: "Updates in the current model (its version); with several workers, the most any holds", registers, aggregator: "max" });
    const self = this;
    this.snapshotAge = new Gauge({
      name: "recs_model_snapshot_age_seconds",
      help: "Seconds since the last model snapshot was saved (-1 before the first); with several workers, the freshest",
      registers,
      aggregator: "min",
      collect() {
        this.set(self.lastSnapshotMs === 0 ? -1 : (Date.now() - self.lastSnapshotMs) / 1000);
      },
    });
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
  }

  snapshotSaved(atMs: number): void {
    this.lastSnapshotMs = atMs;
  }
}
