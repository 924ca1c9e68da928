/**
 * The ports between the engine and its state. The engine talks to stores only through these
 * interfaces; adapters (redis/, postgres/ which also serves PGlite, memory/) own their connections and
 * expose none of them. Every adapter of a port passes the same contract suite in test/state/.
 */

/** What a shopper did with an item. `unspecified` is an event that carried only an explicit reward. */
export type FeedbackKind = "unspecified" | "click" | "add_to_cart" | "purchase" | "dismiss";

/** One entry of a session window. */
export interface SessionEvent {
  itemId: string;
  type: FeedbackKind;
  atMs: number;
}

/** One event for one session's window. */
export interface SessionAppend {
  sessionId: string;
  event: SessionEvent;
  /** The shopper whose event it is: the store then remembers the session as theirs (`forgetUser`). */
  userId?: string;
}

/** Sessions (or serving contexts) remembered per user for `forgetUser`, the most recent first kept. */
export const USER_INDEX_LIMIT = 1_000;

/**
 * Short-term session state: the last N events of a session. Adapters are built with the window length
 * and idle TTL (RECS_SESSION_WINDOW, RECS_SESSION_TTL_S).
 */
export interface SessionStore {
  /**
   * Appends one event, trims the window to its bound and refreshes the TTL, atomically and in one
   * round trip: concurrent appenders never lose an event, and the window never exceeds its bound.
   */
  append(sessionId: string, event: SessionEvent): Promise<void>;
  /**
   * Appends each event to its session in the order given, exactly as `append` one by one would (each
   * append atomic), but in one round trip for many: the feedback path's group commit appends a whole
   * batch at once. If the store fails part way, a prefix of them may have been appended.
   */
  appendAll(appends: readonly SessionAppend[]): Promise<void>;
  /** The window, newest first; empty for an unknown or expired session. Undecodable entries are skipped. */
  window(sessionId: string): Promise<SessionEvent[]>;
  /**
   * Deletes the window of every session appended to with this `userId` (DeleteUser): those of the user's
   * last USER_INDEX_LIMIT sessions still held. The index expires with the windows (the session TTL).
   * Returns how many windows it deleted; 0 for a user it holds nothing of.
   */
  forgetUser(userId: string): Promise<number>;
  close(): Promise<void>;
}

/** The features one item was served with, kept so a later reward updates the model with exactly them. */
export interface ServedItem {
  itemId: string;
  position: number;
  propensity: number;
  /** The shared-model feature vector φ(context, item). */
  shared: Float32Array;
  /** The per-item (arm) feature vector of hybrid LinUCB. */
  arm: Float32Array;
}

/** Everything a recommendation was served with. */
export interface ServingContext {
  recommendationId: string;
  userId: string;
  sessionId: string;
  modelVersion: string;
  servedAtMs: number;
  items: ServedItem[];
}

/**
 * What a feedback event needs of its recommendation's serving context: whether the context is still held
 * (not unknown, expired, claimed or undecodable) and, if so, the slot the item was served in (null when
 * the item was not in the slate).
 */
export type ServedItemLookup = { found: false } | { found: true; item: ServedItem | null };

/** A serving context whose reward wait window has passed, claimed by exactly one caller. */
export interface DueServingContext {
  context: ServingContext;
  /** Items that received feedback before the claim; the others get the default reward. */
  rewardedItemIds: string[];
}

/** An item of a recommendation that received feedback. */
export interface RewardMark {
  recommendationId: string;
  itemId: string;
}

/**
 * Serving contexts by recommendation id, held for the reward wait window (RECS_REWARD_WAIT_MS) plus a
 * margin, then gone. Adapters are built with the wait window.
 */
export interface ServingContextStore {
  /** Stores the context and schedules it to become due at `servedAtMs + rewardWaitMs`. */
  put(context: ServingContext): Promise<void>;
  /** The context, or null when unknown, expired, already claimed, or undecodable. Does not consume it. */
  get(recommendationId: string): Promise<ServingContext | null>;
  /** The slot `itemId` was served in, without decoding the others (the feedback path's read). */
  servedItem(recommendationId: string, itemId: string): Promise<ServedItemLookup>;
  /** Records that an item of the recommendation received feedback, so it gets no default reward. */
  markRewarded(recommendationId: string, itemId: string): Promise<void>;
  /** `markRewarded` for each, in one round trip for many (a feedback batch's marks). */
  markRewardedAll(marks: readonly RewardMark[]): Promise<void>;
  /**
   * Claims up to `limit` contexts due at or before `nowMs` and removes them. Across replicas sharing a
   * store, each context is claimed by exactly one caller.
   */
  claimDue(nowMs: number, limit: number): Promise<DueServingContext[]>;
  /**
   * Deletes the user's serving contexts (DeleteUser), so none of them gets a default reward or trains
   * the model later: those of the user's last USER_INDEX_LIMIT recommendations still held (the index
   * expires with the contexts). Returns how many it deleted.
   */
  forgetUser(userId: string): Promise<number>;
  close(): Promise<void>;
}

/** A shopper's long-term state. */
export interface UserProfile {
  userId: string;
  /** Unit-length long-term embedding, or null before the first event that moved it. */
  embedding: Float32Array | null;
  interactionCount: number;
  updatedAtMs: number;
}

/** Durable user profiles. Writes arrive through `EventLog.appendFeedback`, in the event's transaction. */
export interface UserRepository {
  /** Null for an unknown user. A stored embedding of the wrong dimension reads as null (and is logged). */
  get(userId: string): Promise<UserProfile | null>;
}

/** One catalog item. */
export interface CatalogItem {
  itemId: string;
  embedding: Float32Array;
  category: string;
  attributes: Record<string, string>;
  available: boolean;
}

/** A page of catalog changes and the cursor to ask from next time. */
export interface CatalogChanges {
  items: CatalogItem[];
  /** Opaque; pass back to `changesSince`. Unchanged when `items` is empty. */
  cursor: string | null;
}

/** A change of one item's availability alone (an item going out of stock and back). */
export interface AvailabilityChange {
  itemId: string;
  available: boolean;
}

/** What `setAvailability` did: the changed items as now stored, and the ids the catalog does not hold. */
export interface AvailabilityResult {
  /** Readable changed items (one stored with an embedding of the wrong width is changed but left out). */
  items: CatalogItem[];
  unknown: string[];
}

/** The durable catalog. Every replica mirrors it in memory and polls `changesSince` for others' upserts. */
export interface ItemStore {
  /** Inserts or replaces the items, all or none. */
  upsert(items: CatalogItem[]): Promise<void>;
  /**
   * Sets `available` of items already stored, all or none, touching nothing else of them; each counts
   * as a change for `changesSince`. Ids not stored are left out and listed in `unknown` (no item is
   * created without its embedding). The last change of an id within one call wins.
   */
  setAvailability(changes: AvailabilityChange[]): Promise<AvailabilityResult>;
  get(itemId: string): Promise<CatalogItem | null>;
  /** Items upserted after `cursor` (all items for null), oldest change first, at most `limit`. */
  changesSince(cursor: string | null, limit: number): Promise<CatalogChanges>;
  count(): Promise<number>;
}

/** One recommendation as logged: what was shown, where, and with what probability. */
export interface ImpressionRecord {
  recommendationId: string;
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
   * Per item, the positive feedback (reward > 0) this handle logged, in log order, the last `limit` of
   * each: what this process's popularity counts were made of, to recount them after a DeleteUser.
   */
  ownPositiveFeedback(itemIds: readonly string[], limit: number): Promise<Map<string, PositiveFeedback[]>>;
  /** The position of the newest logged entry ("0" when empty). */
  latestSeq(): Promise<string>;
  /** Drops what is older than the retention window, by whole days; returns the rows removed. */
  enforceRetention(nowMs: number, retentionDays: number): Promise<number>;
  /**
   * Decisions the service logged (each shown item with its propensity) joined to the reward it got,
   * oldest first (by time, then log position): at most `limit` rows of impressions after `afterMs`, or,
   * with `afterSeq` too, of impressions after that one (the `occurredAtMs` and `seq` of a row read
   * before), so a reader can page through the log.
   */
  loggedDecisions(limit: number, afterMs?: number, afterSeq?: string): Promise<LoggedDecision[]>;
}

/** A saved copy of the bandit's statistics and the log position it includes. */
export interface ModelSnapshot {
  modelVersion: string;
  /** Every model update with seq ≤ this is in the snapshot. */
  eventSeq: string;
  createdAtMs: number;
  data: Uint8Array;
}

export interface SnapshotStore {
  /** Saves a snapshot; older ones beyond the newest few are pruned. */
  save(snapshot: ModelSnapshot): Promise<void>;
  latest(): Promise<ModelSnapshot | null>;
}

/**
 * Carries model updates between replicas (a Redis Stream). Sums commute, so replicas applying the same
 * set in any order hold the same model. The memory adapter delivers nothing (one replica).
 */
export interface ModelUpdateBus {
  /** Publishes this replica's updates. */
  publish(updates: ModelUpdate[]): Promise<void>;
  /** Delivers other replicas' updates (never this replica's own) until closed. */
  subscribe(onUpdates: (updates: ModelUpdate[]) => void): void;
  close(): Promise<void>;
}

/** The Postgres-side stores (Postgres or PGlite) as one unit sharing a connection pool. */
export interface DurableStores {
  users: UserRepository;
  items: ItemStore;
  events: EventLog;
  snapshots: SnapshotStore;
  /** Runs pending migrations (idempotent; safe when several replicas start at once). */
  migrate(): Promise<void>;
  /** Cheap liveness check. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The Redis-side stores (Redis or memory) as one unit sharing a connection. */
export interface EphemeralStores {
  sessions: SessionStore;
  servingContexts: ServingContextStore;
  modelBus: ModelUpdateBus;
  ping(): Promise<void>;
  close(): Promise<void>;
}
