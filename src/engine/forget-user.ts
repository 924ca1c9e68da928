import { Unavailable } from "../errors";
import type { Logger } from "../log";
import type { EventLog, ServingContextStore, SessionStore } from "../state/ports";
import type { DefaultRewardSweeper } from "./default-rewards";
import type { LogFollower } from "./log-follower";
import type { EngineMetrics } from "./metrics";
import type { ModelTarget } from "./model-log-reader";
import type { WriteHold } from "./model-persistence";
import type { GuardedStore, StoreGuard } from "./store-guard";
import type { UserCache } from "./user-cache";

export interface ForgetUserDeps {
  events: EventLog;
  sessions: SessionStore;
  servingContexts: ServingContextStore;
  /** Each removal goes to its update's surface (`SurfaceModels`). */
  model: ModelTarget;
  follower: LogFollower;
  sweeper: DefaultRewardSweeper;
  /** The feedback flow's log writes, held while a user is forgotten. */
  feedbackWrites: WriteHold;
  users: UserCache;
  guard: StoreGuard;
  metrics: EngineMetrics;
  log: Logger;
  /** Deadline of each ephemeral-store call. */
  storeTimeoutMs: number;
  /** After the model lost the user's updates: the items of their positive feedback, to recount. */
  onForgotten?: (itemIds: string[]) => Promise<void>;
}

/** What DeleteUser did. */
export interface ForgetUserResult {
  eventsDeleted: number;
  sessionsDeleted: number;
  modelUpdated: boolean;
}

/**
 * DeleteUser (issue 18): exact forgetting. First the ephemeral state (serving contexts, so none gets a
 * default reward later; session windows), then the durable part in one transaction (`EventLog.forgetUser`:
 * profile, rows, removal rows), then this model loses exactly the user's updates it holds. Other replicas
 * take them back from the log (`LogFollower`), and so does a replica restarting from an older snapshot.
 * A failure leaves the durable part all or nothing, so the caller retries; a second call finds nothing.
 *
 * Runs with no feedback or default-reward write in flight and the log follower still, so the model
 * position it decides with (which of the user's updates this model holds) cannot move meanwhile, and a
 * snapshot (which holds this too) never sees the removal half applied.
 */
export class ForgetUserFlow implements WriteHold {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ForgetUserDeps) {}

  /** One at a time, and none while `fn` runs (for snapshots). */
  hold<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  forget(userId: string): Promise<ForgetUserResult> {
    const { feedbackWrites, sweeper, follower } = this.deps;
    return this.hold(() =>
      feedbackWrites.hold(() => sweeper.hold(() => follower.exclusive(() => this.forgetNow(userId)))),
    );
  }

  private async forgetNow(userId: string): Promise<ForgetUserResult> {
    const { events, model, follower, metrics, log } = this.deps;
    const servingContexts = await this.ephemeral("serving_store", "forget_user", () =>
      this.deps.servingContexts.forgetUser(userId),
    );
    const sessionsDeleted = await this.ephemeral("session_store", "forget_user", () =>
      this.deps.sessions.forgetUser(userId),
    );
    this.deps.sweeper.forgetUser(userId);
    // No deadline: a write given up on could still commit, and this model would then miss its removal.
    const forgotten = await events.forgetUser(userId).catch((err: unknown) => {
      throw new Unavailable("the event log is unavailable; nothing durable was deleted: retry DeleteUser", {
        cause: err,
      });
    });
    this.deps.users.invalidate(userId);
    // This model holds an update of the user if it logged it itself or has followed the log past it;
    // one logged elsewhere after `position` it never applied (and never will: its row is a tombstone now).
    const position = BigInt(follower.position);
    const held = forgotten.removed.filter((r) => r.writer === events.writerId || BigInt(r.seq) <= position);
    const removed = model.remove(held.map((r) => r.update));
    await this.deps.onForgotten?.(forgotten.positiveItemIds);
    const total = forgotten.eventsDeleted + sessionsDeleted + servingContexts + (forgotten.profileDeleted ? 1 : 0);
    metrics.usersForgotten.inc({ outcome: total > 0 ? "deleted" : "unknown" });
    metrics.forgotten.inc({ what: "events" }, forgotten.eventsDeleted);
    metrics.forgotten.inc({ what: "sessions" }, sessionsDeleted);
    metrics.forgotten.inc({ what: "serving_contexts" }, servingContexts);
    metrics.forgotten.inc({ what: "model_updates" }, removed);
    // Never the user id: the log line must not keep what was just forgotten.
    log.info(
      {
        eventsDeleted: forgotten.eventsDeleted,
        sessionsDeleted,
        servingContextsDeleted: servingContexts,
        modelUpdatesRemoved: removed,
        profileDeleted: forgotten.profileDeleted,
      },
      "user forgotten",
    );
    return { eventsDeleted: forgotten.eventsDeleted, sessionsDeleted, modelUpdated: forgotten.removed.length > 0 };
  }

  private async ephemeral(store: GuardedStore, operation: string, call: () => Promise<number>): Promise<number> {
    try {
      return await this.deps.guard.run(store, operation, call, this.deps.storeTimeoutMs);
    } catch (err) {
      throw new Unavailable(
        `the ${store.replace("_", " ")} is unavailable; nothing durable was deleted: retry DeleteUser`,
        {
          cause: err,
        },
      );
    }
  }
}

/**
 * DeleteUser on the stores alone, for `recs forget-user` without a server: the same steps and order as
 * `ForgetUserFlow`, but no model here to take the updates back from. Every model that held them does so
 * itself from the log: running replicas as they follow it, a starting one as it replays it.
 */
export async function forgetStoredUser(
  stores: { events: EventLog; sessions: SessionStore; servingContexts: ServingContextStore },
  userId: string,
): Promise<ForgetUserResult & { servingContextsDeleted: number }> {
  const servingContextsDeleted = await stores.servingContexts.forgetUser(userId);
  const sessionsDeleted = await stores.sessions.forgetUser(userId);
  const forgotten = await stores.events.forgetUser(userId);
  return {
    eventsDeleted: forgotten.eventsDeleted,
    sessionsDeleted,
    modelUpdated: forgotten.removed.length > 0,
    servingContextsDeleted,
  };
}
