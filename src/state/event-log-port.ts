/**
 * The event log's port (part of ports.ts, which re-exports it): impressions, feedback, default rewards
 * and model updates in one ordered log, and what readers of it get back.
 */

/** What a shopper did with an item. `unspecified` is an event that carried only an explicit reward. */
export type FeedbackKind = "unspecified" | "click" | "add_to_cart" | "purchase" | "dismiss";

/** A shopper's long-term state. */
export interface UserProfile {
  userId: string;
  /** Unit-length long-term embedding, or null before the first event that moved it. */
  embedding: Float32Array | null;
  interactionCount: number;
  updatedAtMs: number;
}

/** One recommendation as logged: what was shown, where, and with what probability. */
export interface ImpressionRecord {
  recommendationId: string;
  /** The surface that served it (`RecommendInput.surface`); absent = "default". */
  surface?: string;
  userId: string;
  sessionId: string;
  occurredAtMs: number;
  modelVersion: string;
  context: Record<string, string>;
  /** How many candidates were ranked. */
  candidateCount: number;
  items: Array<{ itemId: string; position: number; propensity: number; score: number; explored: boolean }>;
  /** What the candidates were scored with, so an offline policy can recompute its probabilities exactly. */
  serving?: ServingState;
}

/**
 * An impression's candidates and the state they were scored with: with the context and the model
 * version, everything a policy's choice probabilities for that request depend on (own-log evaluation).
 */
export interface ServingState {
  /** The candidates' item ids, in scoring order. */
  candidateIds: string[];
  /** The session vector s (null: no session state). */
  session: Float32Array | null;
  /** The long-term vector l (null: no profile). */
  longTerm: Float32Array | null;
  /** φ's item signals, SIGNAL_COUNT per candidate, row-major, as scored. */
  signals: Float32Array;
  /** The request's business rules as JSON, when it had any. */
  rules?: unknown;
}

/** An update the bandit applied: logged so a restart can replay it after the last snapshot. */
export interface ModelUpdate {
  /** The surface whose model it trains (the surface of the recommendation it answers); absent = "default". */
  surface?: string;
  itemId: string;
  shared: Float32Array;
  arm: Float32Array;
  reward: number;
}

/** An accepted feedback event as logged. */
export interface FeedbackRecord {
  eventId: string;
  userId: string;
  sessionId: string;
  itemId: string;
  type: FeedbackKind;
  /** Null for organic feedback. */
  recommendationId: string | null;
  reward: number;
  occurredAtMs: number;
  /** The bandit update this event causes, when it answers a recommendation whose context is held. */
  modelUpdate: ModelUpdate | null;
}

/** A feedback record and the user write that goes with it if (and only if) it is not a duplicate. */
export interface FeedbackEntry {
  record: FeedbackRecord;
  /** The user's new long-term embedding (or null to leave it), stored with interaction_count + 1. */
  userEmbedding: Float32Array | null;
}

/**
 * What the log made of one feedback entry: logged now; logged before (the same event again); or its
 * event id is logged for a different event (another user, session, item, type, recommendation or
 * reward, or not a feedback event at all), so it was not logged. The time never tells events apart.
 */
export type FeedbackOutcome = "accepted" | "duplicate" | "conflict";

/** What one `appendFeedback` wrote. */
export interface FeedbackAppend {
  /** One per entry, in order. */
  outcomes: FeedbackOutcome[];
  /**
   * Each user the write changed, as stored once it committed (so including what other replicas had
   * committed before); users whose entries were all duplicates are not listed.
   */
  users: UserProfile[];
}

/** The default reward given to a shown item nobody acted on, logged with its update. */
export interface DefaultRewardRecord {
  recommendationId: string;
  userId: string;
  occurredAtMs: number;
  update: ModelUpdate;
}

/**
 * What a logged model-update row does to a model that follows the log: `add` the update; `remove` (a
 * DeleteUser) the update logged at `removesSeq`, with the same vectors; `forgotten`, nothing: the row at
 * this position was an update DeleteUser took back (its data is gone), so a reader that meets it here
 * never applied it and must skip its removal (`ModelLogReader`); `recount`, nothing to the model: a
 * DeleteUser removed positive feedback on `itemId`, so each replica recounts the item's popularity.
 */
export type LoggedEffect = "add" | "remove" | "forgotten" | "recount";

/** A logged model update with its position in the log. */
export interface LoggedModelUpdate extends ModelUpdate {
  /** Position in the event log (decimal string of a bigint), increasing. */
  seq: string;
  /** The `EventLog.writerId` of the handle that logged it; null for updates logged before writers were recorded. */
  writer: string | null;
  effect: LoggedEffect;
  /** For `remove`: the position of the update taken back; otherwise null. */
  removesSeq: string | null;
}

/** One model update a DeleteUser took back, as it was logged. */
export interface RemovedUpdate {
  update: ModelUpdate;
  /** Where it was logged, and by which writer (null before writers were recorded). */
  seq: string;
  writer: string | null;
}

/** What `EventLog.forgetUser` did. */
export interface UserForgotten {
  /** The user's rows removed from the log (impressions, feedback, default rewards). */
  eventsDeleted: number;
  profileDeleted: boolean;
  /** The user's model updates (feedback and default rewards), in log order: each now has a removal row. */
  removed: RemovedUpdate[];
  /** Items the user's deleted positive feedback was on (each now has a `recount` row). */
  positiveItemIds: string[];
}

/** One positive feedback event as popularity counted it. */
export interface PositiveFeedback {
  reward: number;
  /** Not answering a recommendation. */
  organic: boolean;
}

/** A page of `othersModelUpdatesSince`. */
export interface ModelUpdatePage {
  updates: LoggedModelUpdate[];
  /** Rows the page covered, own updates included: fewer than the limit means the end of the log. */
  scanned: number;
  /** Position of the page's last row (own or not); null for an empty page. */
  lastSeq: string | null;
}

/** One logged decision of the service, joined to its reward, for offline evaluation of its own logs. */
export interface LoggedDecision {
  occurredAtMs: number;
  userId: string;
  sessionId: string;
  context: Record<string, string>;
  itemId: string;
  position: number;
  propensity: number;
  reward: number;
  /** The impression's position in the log (its rows share it). */
  seq: string;
  /** The model version that served it (`OnlineModel.version`). */
  modelVersion: string;
  /** The surface that served it. */
  surface: string;
  /** On the impression's position-0 row, when logged (impressions since migration 004). */
  serving?: ServingState;
}

/**
 * The append-only event log: every impression, every accepted feedback event, every default reward.
 * Idempotent by event id: when two callers (two replicas) insert the same id at once, exactly one is
 * accepted and the other learns it was a duplicate. A returned promise resolves only once durable.
 */
export interface EventLog {
  /**
   * Tags the model updates this handle logs (one handle per server process). Model updates take their
   * positions in commit order: once an update at position p is visible, every update before p is too,
   * and none will appear before it later. So a reader that has applied every update up to p misses
   * nothing by continuing after p.
   */
  readonly writerId: string;
  appendImpressions(records: ImpressionRecord[]): Promise<void>;
  /**
   * Appends the batch in one transaction. For each entry, in order: "accepted" (logged now, and the
   * user's interaction count incremented and embedding stored in the same transaction), "duplicate"
   * (logged before; nothing changed) or "conflict" (the id was logged for another event; nothing
   * changed); and the profiles of the users it changed, as committed. Throws
   * `RejectedData` (and writes nothing) when the store refuses the data of some entry, so the caller can
   * write the others without it.
   */
  appendFeedback(entries: FeedbackEntry[]): Promise<FeedbackAppend>;
  /** Logs default rewards; a (recommendation, item) pair logged before is skipped. Returns those logged now. */
  appendDefaultRewards(records: DefaultRewardRecord[]): Promise<DefaultRewardRecord[]>;
  /** Model updates (feedback and default rewards) after `afterSeq` ("0" = from the start), in log (= commit) order. */
  modelUpdatesSince(afterSeq: string, limit: number): Promise<LoggedModelUpdate[]>;
  /**
   * For a replica following the log: the page of model updates after `afterSeq` (at most `limit`, in
   * log order) without those `writer` logged (it applied them itself), and how far the page reached.
   */
  othersModelUpdatesSince(afterSeq: string, limit: number, writer: string): Promise<ModelUpdatePage>;
  /**
   * Forgets a user, all or nothing: deletes their profile and every row of the log that names them. Each
   * of their rows that carried a model update leaves, at its position, a tombstone without user data
   * (effect `forgotten`), and gets a removal row appended (effect `remove`: the same vectors, no user
   * id), so every reader of the log takes back exactly the updates it applied. Takes its positions
   * like any model-update write (`writerId`). A user the log and the profiles do not hold: zeros, and
   * nothing is written.
   */
  forgetUser(userId: string): Promise<UserForgotten>;
  /**
   * Takes back, all or nothing, every model update of `surface` logged after `afterSeq` and not taken
   * back before (`recs rollback --model`): each gets a removal row (effect `remove`, its vectors, the
   * surface) appended in log order and is marked, so a later DeleteUser of its user appends no second
   * removal. Every reader of the log then holds the surface's model as it was at `afterSeq` (less what
   * DeleteUser took back since). Takes its positions like any model-update write. Returns how many.
   */
  rollbackSurface(surface: string, afterSeq: string): Promise<number>;
  /**
   * Per item, the positive feedback (reward > 0) this handle logged, in log order, the last `limit` of
   * each: what this process's popularity counts were made of, to recount them after a DeleteUser.
   */
  ownPositiveFeedback(itemIds: readonly string[], limit: number): Promise<Map<string, PositiveFeedback[]>>;
  /**
   * Per item, the positive feedback (reward > 0) every writer logged, in log order, the last `limit` of
   * each: what a starting replica counts popularity from (imported history and other replicas' feedback
   * included), so the counts outlive a restart.
   */
  loggedPositiveFeedback(itemIds: readonly string[], limit: number): Promise<Map<string, PositiveFeedback[]>>;
  /**
   * How many model-update rows after `afterSeq` others than `writer` logged: what a replica whose model
   * holds the log up to `afterSeq` has yet to apply (`othersModelUpdatesSince` would return them).
   */
  othersModelUpdateCount(afterSeq: string, writer: string): Promise<number>;
  /** The position of the newest logged entry ("0" when empty). */
  latestSeq(): Promise<string>;
  /** Drops what is older than the retention window, by whole days; returns the rows removed. */
  enforceRetention(nowMs: number, retentionDays: number): Promise<number>;
  /**
   * Decisions the service logged (each shown item with its propensity) joined to the reward it got,
   * oldest first (by time, then log position): at most `limit` rows of impressions after `afterMs`, or,
   * with `afterSeq` too, of impressions after that one (the `occurredAtMs` and `seq` of a row read
   * before), so a reader can page through the log. Only impressions of `surface` (default "default").
   */
  loggedDecisions(limit: number, afterMs?: number, afterSeq?: string, surface?: string): Promise<LoggedDecision[]>;
}
