/**
 * The ports between the engine and its state. The engine talks to stores only through these
 * interfaces; adapters (redis/, postgres/ which also serves PGlite, memory/) own their connections and
 * expose none of them. Every adapter of a port passes the same contract suite in test/state/.
 */

import type { EventLog, FeedbackKind, ModelUpdate, UserProfile } from "./event-log-port";

export * from "./event-log-port";

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
export type ServedItemLookup =
  | { found: false }
  | {
      found: true;
      item: ServedItem | null;
      /** The context's model version: it names the surface the reward trains (`surfaceOfVersion`). */
      modelVersion: string;
    };

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

/** A saved copy of the bandit's statistics and the log position it includes. */
export interface ModelSnapshot {
  /** The surface whose model it is. */
  surface: string;
  modelVersion: string;
  /** Every model update with seq ≤ this is in the snapshot. */
  eventSeq: string;
  createdAtMs: number;
  data: Uint8Array;
}

export interface SnapshotStore {
  /**
   * Saves snapshots (one per surface, taken at one log position) in one transaction, all or none; per
   * surface, older ones beyond the newest `kept` are pruned.
   */
  save(snapshots: ModelSnapshot | readonly ModelSnapshot[]): Promise<void>;
  /** The newest snapshot of `surface` (default "default"), or null. */
  latest(surface?: string): Promise<ModelSnapshot | null>;
  /** The newest snapshot of every surface that has one, by surface name. */
  latestPerSurface(): Promise<ModelSnapshot[]>;
  /** The surface's snapshots kept (its model versions), newest first, without their data. */
  versions(surface: string): Promise<Array<Omit<ModelSnapshot, "data">>>;
}

/** One version of a surface's policy settings, as stored (append-only, `surface_settings`). */
export interface SurfaceSettingsRecord {
  /** Position among all surfaces' records (decimal string), increasing in commit order: what followers page by. */
  id: string;
  surface: string;
  /** 1, 2, ... per surface. */
  version: number;
  /** The settings, as JSON (the engine checks them: `parseSurfaceSettings`). */
  settings: Record<string, unknown>;
  createdAtMs: number;
  /** Why it was written (a promotion's evidence, a rollback's target). */
  reason: string;
  author: string;
  /** Written against the promotion gate's verdict (`recs promote --force`). */
  forced: boolean;
}

/** What a new settings record says besides the settings. */
export interface SettingsRecordNote {
  reason: string;
  author: string;
  forced: boolean;
}

/**
 * Each surface's policy settings as versioned records that every replica follows (`SettingsFollower`).
 * Records are never changed or deleted; a rollback is a new record.
 */
export interface SettingsStore {
  /**
   * Appends the surface's next version. Appends commit one at a time, each with an id above every record
   * committed before, so a follower that has read up to an id misses nothing by reading after it. With
   * `expectedVersion`, throws `FailedPrecondition` (writing nothing) unless the surface's newest version
   * is that one (0 = none yet): two operators acting at once cannot both win.
   */
  append(
    surface: string,
    settings: Record<string, unknown>,
    note: SettingsRecordNote,
    expectedVersion?: number,
  ): Promise<SurfaceSettingsRecord>;
  /** Every surface's records after `afterId` ("0" = from the first), in id order, at most `limit`. */
  since(afterId: string, limit: number): Promise<SurfaceSettingsRecord[]>;
  /** The surface's records, newest first. */
  history(surface: string): Promise<SurfaceSettingsRecord[]>;
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
  settings: SettingsStore;
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
