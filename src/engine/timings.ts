/**
 * Deadlines and cadences fixed in code rather than settings, each with the reason for its value. The
 * deadlines an operator may need to move are keys in config.ts (RECS_STORE_TIMEOUT_MS,
 * RECS_OFF_PATH_STORE_TIMEOUT_MS, RECS_FEEDBACK_COMMIT_TIMEOUT_MS).
 */
export const ENGINE_TIMINGS = Object.freeze({
  /**
   * Feedback's session-window append for a batch. Each event's caller waits for it (so its next
   * Recommend sees the event), and a miss costs only the batch's session updates (counted), never the
   * events: short.
   */
  sessionAppendTimeoutMs: 500,
  /**
   * Marking a batch's rewarded items in their serving contexts: nobody waits for it, and a miss only
   * lets those items also get the default reward.
   */
  markRewardedTimeoutMs: 1_000,
  /**
   * The shortest deadline Recommend's serving-context write gets, whatever RECS_STORE_TIMEOUT_MS says:
   * the answer waits for it, but a context not stored means feedback on the slate cannot train the model.
   */
  servingWriteMinTimeoutMs: 200,
  /**
   * The default-reward sweep's log write: nobody waits for it and a failed one is retried next sweep,
   * so it is as patient as a Feedback commit.
   */
  defaultRewardLogTimeoutMs: 5_000,
  /** How long a feedback event waits for company while no log write can start at once: its caller waits. */
  feedbackBatchDelayMs: 1,
  /** How long an impression waits for company: nobody waits for it, so batches may fill. */
  impressionBatchDelayMs: 20,
  /** How often this replica publishes its model updates to the others (one Redis publish per tick). */
  modelPublishIntervalMs: 50,
  /** How often this replica reads other replicas' model updates from the log when the bus is quiet or down. */
  logFollowIntervalMs: 500,
  /** How often this replica reads new surface settings records: a change reaches every replica within it. */
  settingsPollIntervalMs: 1_000,
  /** How often this replica pulls catalog changes other replicas wrote. */
  catalogPollIntervalMs: 2_000,
  /** How often old events are deleted: retention is counted in days, so hourly is plenty. */
  retentionIntervalMs: 3_600_000,
});

/** How often due default rewards are swept: a tenth of the wait (at most 10% late), between 10 ms and 1 s. */
export function defaultRewardSweepMs(rewardWaitMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(rewardWaitMs / 10)));
}
