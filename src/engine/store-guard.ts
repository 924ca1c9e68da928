import { ConsecutiveBreaker, TimeoutStrategy, circuitBreaker, handleAll, timeout, wrap, type IPolicy } from "cockatiel";

/** The stores whose faults the engine tolerates, as named in `degraded` and in metrics. */
export type GuardedStore = "session_store" | "user_store" | "serving_store" | "event_log" | "item_store";

export interface StoreGuardOptions {
  /** Deadline of each guarded call. */
  timeoutMs: number;
  /** Consecutive failures that open the breaker. */
  failuresToOpen?: number;
  /** How long an open breaker refuses calls before it lets one test call through. */
  halfOpenAfterMs?: number;
  /** Told of every failed or refused call (for metrics and logs). */
  onFailure?: (store: GuardedStore, err: unknown) => void;
}

/**
 * A deadline plus a circuit breaker per store (cockatiel), so a slow or dead store costs at most one
 * deadline until it recovers, not one per request.
 */
export class StoreGuard {
  constructor(private readonly options: StoreGuardOptions) {}

  /** Runs `call` under the store's deadline and breaker; rejects if either trips. */
  async run<T>(store: GuardedStore, call: () => Promise<T>, timeoutMs = this.options.timeoutMs): Promise<T> {
    try {
      return await this.policy(store, timeoutMs).execute(() => call());
    } catch (err) {
      this.options.onFailure?.(store, err);
      throw err;
    }
  }

  /** Like `run`, but a failure yields `fallback` instead of an error. */
  async orElse<T>(store: GuardedStore, call: () => Promise<T>, fallback: T, timeoutMs?: number): Promise<{ value: T; failed: boolean }> {
    try {
      return { value: await this.run(store, call, timeoutMs), failed: false };
    } catch {
      return { value: fallback, failed: true };
    }
  }

  /** The breaker is per store and long-lived; the deadline may differ per call (reads vs writes). */
  private policy(store: GuardedStore, timeoutMs: number): IPolicy {
    return wrap(this.breakerFor(store), timeout(timeoutMs, TimeoutStrategy.Aggressive));
  }

  private readonly breakers = new Map<GuardedStore, IPolicy>();
  private breakerFor(store: GuardedStore): IPolicy {
    let breaker = this.breakers.get(store);
    if (!breaker) {
      breaker = circuitBreaker(handleAll, {
        halfOpenAfter: this.options.halfOpenAfterMs ?? 2_000,
        breaker: new ConsecutiveBreaker(this.options.failuresToOpen ?? 5),
      });
      this.breakers.set(store, breaker);
    }
    return breaker;
  }
}
