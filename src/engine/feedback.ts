import { NotFound, Unavailable } from "../errors";
import { withinMs } from "../time-limit";
import type { Logger } from "../log";
import type {
  EventLog,
  FeedbackEntry,
  FeedbackOutcome,
  FeedbackRecord,
  ModelUpdate,
  ServedItemLookup,
  SessionStore,
  ServingContextStore,
  UserProfile,
} from "../state/ports";
import { RejectedData } from "../state/rejected-data";
import type { RewardMap } from "../config-values";
import { ENGINE_TIMINGS } from "./timings";
import { Batcher } from "./batcher";
import type { CatalogMirror } from "./catalog-mirror";
import { examinedUpdate } from "./examination";
import { CommitTimeout, refusal, reusedEventId } from "./feedback-refusals";
import { appendIsolatingRejects, type EntryResult } from "./isolating-append";
import { POPULARITY_WEIGHT_CAP } from "./logged-popularity";
import { ORGANIC_SURFACE, UNKNOWN_SURFACE, type EngineMetrics } from "./metrics";
import { OnlineModel } from "./model";
import { rewardFor } from "./rewards";
import { moveLongTerm } from "./session-vector";
import type { StoreGuard } from "./store-guard";
import type { FeedbackInput, FeedbackResult } from "./types";
import type { UserCache } from "./user-cache";

export interface FeedbackDeps {
  catalog: CatalogMirror;
  users: UserCache;
  events: EventLog;
  sessions: SessionStore;
  /** With `heldItem` when it can answer from memory (then the read needs no guarded call). */
  servingContexts: ServingContextStore & {
    heldItem?(recommendationId: string, itemId: string): ServedItemLookup | undefined;
  };
  /** Where each update goes: the surface of its recommendation (`SurfaceModels`). */
  model: Pick<OnlineModel, "applyLocal">;
  guard: StoreGuard;
  metrics: EngineMetrics;
  log: Logger;
  rewards: RewardMap;
  learningRate: number;
  /** Exponent of the examination discount applied to a served item's update (see `examinedUpdate`). */
  positionDiscount: number;
  /** Deadline of the serving-context read on the feedback path. */
  servingReadTimeoutMs: number;
  /** Deadline of the profile read when the user is not cached. */
  profileReadTimeoutMs: number;
  /**
   * How long a caller waits for the log write to be confirmed before it is told UNAVAILABLE. The write
   * itself goes on; see `commit`.
   */
  commitTimeoutMs: number;
}

/** A queued event: its log outcome to come, its model update, and the profile it leaves if it commits. */
interface Pending {
  outcome: Promise<Logged>;
  modelUpdate: ModelUpdate | null;
  speculative: UserProfile;
  reward: number;
  /** The slot the item was served in, when its serving context was held. */
  position: number | null;
  /** The surface its metrics count it under: its recommendation's, or `ORGANIC_SURFACE`, `UNKNOWN_SURFACE`. */
  surface: string;
}

/**
 * An event's log outcome and (when logged) the batch's session appends it waits for; or the error that
 * kept this one event out of a write its neighbours made (see `appendIsolatingRejects`).
 */
type Logged = { outcome: FeedbackOutcome; applied: Promise<void> } | { outcome: "failed"; error: unknown };

/**
 * The feedback path (DESIGN §3): validate against the catalog, log durably (group commit, with the
 * user's new profile in the same transaction), then update session, model and caches. Nothing but the
 * log write can fail the call, and nothing is applied before the log write succeeds.
 */
export class FeedbackFlow {
  private readonly log: Batcher<FeedbackEntry, Logged>;
  /** The latest batch's session appends (they never reject). */
  private sessionAppends: Promise<void> = Promise.resolve();
  /** Per user, the event currently before its log write. */
  private readonly userTurns = new Map<string, Promise<void>>();
  /**
   * Per user, the profile as it will be once the user's newest queued event commits: what the next
   * event of that user builds on while the write is in flight. Never shown to readers (the user cache
   * holds only committed profiles); dropped once that event's write settles.
   */
  private readonly unconfirmed = new Map<string, UserProfile>();

  constructor(private readonly deps: FeedbackDeps) {
    this.log = new Batcher({
      flush: (entries) => this.write(entries),
      maxBatch: 500,
      maxDelayMs: ENGINE_TIMINGS.feedbackBatchDelayMs,
      maxQueued: 20_000,
      // The batcher writes one batch at a time: what arrives meanwhile goes in the next, so batches grow
      // with load. Two in flight (keyed by user) made batches a quarter the size and cost more per event,
      // on the server and in Postgres, for no more unary Feedback calls/s (docs/benchmarks.md). One at a
      // time also keeps the log in arrival order, and the profile each batch leaves is its last event's.
    });
    this.log.onFlush = (size, seconds) => {
      deps.metrics.eventBatchSize.observe({ log: "feedback" }, size);
      deps.metrics.eventFlushSeconds.observe({ log: "feedback" }, seconds);
    };
  }

  /** Runs `fn` with no feedback write in flight and none starting (for consistent model snapshots). */
  get batcher(): Batcher<FeedbackEntry, Logged> {
    return this.log;
  }

  /**
   * Handles one event. Events of one user go through the steps before the log write one at a time, in
   * arrival order, so their session appends and profile changes keep that order; the log write itself
   * is shared (group commit), and its results come back in the same order.
   */
  async handle(input: FeedbackInput): Promise<FeedbackResult> {
    const previous = this.userTurns.get(input.userId);
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    this.userTurns.set(input.userId, turn);
    try {
      if (previous) await previous;
      const pending = await this.prepare(input);
      release();
      return await this.commit(input, pending);
    } finally {
      release();
      if (this.userTurns.get(input.userId) === turn) this.userTurns.delete(input.userId);
    }
  }

  /** Checks the event and queues its log write; the returned promise is the write's outcome. */
  private async prepare(input: FeedbackInput): Promise<Pending> {
    const { catalog, metrics } = this.deps;
    const item = catalog.get(input.itemId);
    if (!item) {
      metrics.feedback.inc({ outcome: "rejected" });
      throw new NotFound(
        `item_id "${input.itemId}" is not in the catalog; upsert it through Catalog.UpsertItems first`,
      );
    }
    const reward = rewardFor(input.type, input.reward, this.deps.rewards);
    // The serving context (Redis, or this replica's cache) and the profile (cache, or Postgres) at once.
    const [served, base] = await Promise.all([this.servedUpdate(input, reward), this.profile(input.userId)]);
    const modelUpdate = served.update;

    // The next event of this user builds on this one's profile while the write is in flight.
    const embedding = moveLongTerm(base.embedding, item.embedding, reward, this.deps.learningRate);
    const speculative: UserProfile = {
      userId: input.userId,
      embedding,
      interactionCount: base.interactionCount + 1,
      updatedAtMs: input.occurredAtMs,
    };
    this.unconfirmed.set(input.userId, speculative);

    const outcome = this.log.add({
      record: {
        eventId: input.eventId,
        userId: input.userId,
        sessionId: input.sessionId,
        itemId: input.itemId,
        type: input.type,
        recommendationId: input.recommendationId,
        reward,
        occurredAtMs: input.occurredAtMs,
        modelUpdate,
      },
      userEmbedding: embedding === base.embedding ? null : embedding,
    });
    // Settled by commit(); this keeps an early failure from counting as unhandled meanwhile.
    outcome.catch(() => undefined);
    return { outcome, modelUpdate, speculative, reward, position: served.position, surface: served.surface };
  }

  private async commit(input: FeedbackInput, pending: Pending): Promise<FeedbackResult> {
    const { metrics } = this.deps;
    let logged: Logged;
    try {
      logged = await withinMs(
        pending.outcome,
        this.deps.commitTimeoutMs,
        () => new CommitTimeout("the event log did not confirm the write in time"),
      );
    } catch (err) {
      return this.refused(input, err);
    } finally {
      // Settled (or given up on): later events of the user build on the committed profile from now on.
      if (this.unconfirmed.get(input.userId) === pending.speculative) this.unconfirmed.delete(input.userId);
    }
    if (logged.outcome === "failed") return this.refused(input, logged.error);
    if (logged.outcome === "duplicate") {
      metrics.feedback.inc({ outcome: "duplicate" });
      return { duplicate: true, appliedToModel: false };
    }
    if (logged.outcome === "conflict") {
      metrics.feedback.inc({ outcome: "conflict" });
      throw reusedEventId(input.eventId);
    }
    // The caller hears back once the session holds the event, so its next Recommend sees it.
    await logged.applied;
    metrics.feedbackAccepted(
      input.type,
      input.recommendationId !== null,
      pending.reward,
      pending.position,
      pending.surface,
    );
    return { duplicate: false, appliedToModel: pending.modelUpdate !== null };
  }

  /** Why an event's log write did not take it, as the error its caller gets; nothing of it was applied. */
  private refused(input: FeedbackInput, err: unknown): never {
    // Whether the write landed may be unknown (a timeout: it may still land, and then `write` stores
    // the row it returns): the next read goes to the store.
    this.deps.users.invalidate(input.userId);
    if (err instanceof CommitTimeout) {
      // A hung log (a Postgres that stopped answering) may still commit this write later. Whatever
      // it decides, the rest follows the log (`write` applies what lands), and a retry is then a duplicate.
      this.deps.log.warn(
        { eventId: input.eventId },
        "event log write not confirmed in time; the client was told to retry",
      );
    }
    if (err instanceof RejectedData) {
      this.deps.metrics.feedback.inc({ outcome: "rejected" });
      this.deps.log.warn(
        { eventId: input.eventId, err },
        "event log refused an event's data; its batch was written without it",
      );
    }
    throw refusal(err);
  }

  /**
   * One group-commit flush: the log write (an event the log refuses fails alone), then, for the
   * accepted events in log order, everything else they change. The flush settles when the log write
   * does; the session appends run on (each event's caller waits for them), so the next log write need not.
   */
  private async write(entries: FeedbackEntry[]): Promise<Logged[]> {
    const { results, users } = await appendIsolatingRejects(this.deps.events, entries);
    this.followLog(entries, results, users);
    const accepted: FeedbackRecord[] = [];
    results.forEach((result, i) => {
      if (result.outcome === "accepted") accepted.push(entries[i]!.record);
    });
    const applied = this.applyAccepted(accepted);
    return results.map((result) => (result.outcome === "failed" ? result : { outcome: result.outcome, applied }));
  }

  /**
   * Brings the user cache up to what the write committed, before any of its events is acknowledged
   * (UserCache's rule): each row the write returned replaces the cached profile; a user with a
   * duplicate and no row (logged before, maybe elsewhere), or with an entry whose write failed in a way
   * that may still have committed, is re-read from the store next time.
   */
  private followLog(
    entries: readonly FeedbackEntry[],
    results: readonly EntryResult[],
    users: readonly UserProfile[],
  ): void {
    for (const user of users) this.deps.users.stored(user);
    const written = new Set(users.map((user) => user.userId));
    results.forEach((result, i) => {
      const userId = entries[i]!.record.userId;
      const unknown = result.outcome === "failed" && !(result.error instanceof RejectedData);
      if (unknown || (result.outcome === "duplicate" && !written.has(userId))) this.deps.users.invalidate(userId);
    });
  }

  /**
   * Everything accepted (logged) events change besides the log: popularity and the model at once, in
   * log order; then the serving contexts' rewarded marks and the session windows, each as one guarded
   * call for the whole batch (its commands pipelined). Never rejects: a session store that fails costs
   * the batch's session updates (counted), not the events.
   */
  private async applyAccepted(records: FeedbackRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { catalog, model, metrics, guard, servingContexts, sessions } = this.deps;
    metrics.feedback.inc({ outcome: "accepted" }, records.length);
    const trained: FeedbackRecord[] = [];
    for (const record of records) {
      if (record.reward > 0)
        catalog.recordPositive(
          record.itemId,
          Math.min(record.reward, POPULARITY_WEIGHT_CAP),
          record.recommendationId === null,
        );
      if (record.modelUpdate) {
        model.applyLocal(record.modelUpdate);
        trained.push(record);
      }
    }
    if (trained.length > 0) {
      metrics.banditUpdates.inc({ source: "feedback" }, trained.length);
      void guard
        .run(
          "serving_store",
          "mark_rewarded",
          () =>
            servingContexts.markRewardedAll(
              trained.map((r) => ({ recommendationId: r.recommendationId as string, itemId: r.itemId })),
            ),
          ENGINE_TIMINGS.markRewardedTimeoutMs,
        )
        .catch((err: unknown) =>
          this.deps.log.warn(
            { err, events: trained.length },
            "could not mark items rewarded; they may also get the default reward",
          ),
        );
    }
    // The batch's appends in log order, in one call, after the previous batch's: each session window
    // keeps the log's order.
    const appended = this.sessionAppends.then(async () => {
      const { failed } = await guard.orElse(
        "session_store",
        "append",
        () =>
          sessions.appendAll(
            records.map((r) => ({
              sessionId: r.sessionId,
              userId: r.userId,
              event: { itemId: r.itemId, type: r.type, atMs: r.occurredAtMs },
            })),
          ),
        undefined,
        ENGINE_TIMINGS.sessionAppendTimeoutMs,
      );
      if (failed) metrics.sessionUpdatesSkipped.inc(records.length);
    });
    this.sessionAppends = appended;
    await appended;
  }

  /** Writes everything queued. */
  drain(): Promise<void> {
    return this.log.drain();
  }

  /** The update this event makes, with the features its item was served with, if that context is held. */
  private async servedUpdate(
    input: FeedbackInput,
    reward: number,
  ): Promise<{ update: ModelUpdate | null; position: number | null; surface: string }> {
    if (input.recommendationId === null) return { update: null, position: null, surface: ORGANIC_SURFACE };
    const recommendationId = input.recommendationId;
    const held = this.deps.servingContexts.heldItem?.(recommendationId, input.itemId);
    const { value: lookup, failed } = held
      ? { value: held, failed: false }
      : await this.deps.guard.orElse<ServedItemLookup>(
          "serving_store",
          "get_context",
          () => this.deps.servingContexts.servedItem(recommendationId, input.itemId),
          { found: false },
          this.deps.servingReadTimeoutMs,
        );
    if (failed) {
      this.deps.metrics.feedbackUntrained.inc({ reason: "context_unreadable", surface: UNKNOWN_SURFACE });
      this.deps.log.warn(
        { eventId: input.eventId, recommendationId },
        "serving context unreadable: the event is logged, but its reward will not train the model",
      );
    }
    const served = lookup.found ? lookup.item : null;
    // The reward trains the surface its recommendation was served on: the context's model version names it.
    const surface = lookup.found ? OnlineModel.surfaceOfVersion(lookup.modelVersion) : UNKNOWN_SURFACE;
    if (!failed && !served)
      this.deps.metrics.feedbackUntrained.inc({ reason: lookup.found ? "item_not_served" : "context_gone", surface });
    return served
      ? {
          update: examinedUpdate(served, reward, this.deps.positionDiscount, surface),
          position: served.position,
          surface,
        }
      : { update: null, position: null, surface };
  }

  /** The profile to build on: after the user's queued events if any, else committed (cached or stored). */
  private async profile(userId: string): Promise<UserProfile> {
    const empty: UserProfile = { userId, embedding: null, interactionCount: 0, updatedAtMs: 0 };
    const known = this.unconfirmed.get(userId) ?? this.deps.users.peek(userId);
    if (known) return known;
    let loaded: UserProfile | null;
    try {
      loaded = await this.deps.guard.run(
        "user_store",
        "get_user",
        () => this.deps.users.get(userId),
        this.deps.profileReadTimeoutMs,
      );
    } catch (err) {
      throw new Unavailable("the user store is unavailable; nothing was applied: retry the same event_id later", {
        cause: err,
      });
    }
    return this.unconfirmed.get(userId) ?? this.deps.users.peek(userId) ?? loaded ?? empty;
  }
}
