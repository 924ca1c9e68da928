import { setMaxListeners } from "node:events";
import { CountBreaker, circuitBreaker, handleAll, type IPolicy } from "cockatiel";
import { withinMs } from "../time-limit";
import { inStoreSpan } from "./store-spans";

/** A guarded call that missed its deadline (the call itself is left to finish; its result is dropped). */
export class StoreTimeout extends Error {
  override name = "StoreTimeout";
  constructor(store: GuardedStore, operation: string, ms: number) {
    super(`${store} ${operation} took longer than ${ms} ms`);
  }
}

/** The stores whose faults the engine tolerates, as named in `degraded` and in metrics. */
export type GuardedStore = "session_store" | "user_store" | "serving_store" | "event_log" | "item_store";

export interface StoreGuardOptions {
  /** Deadline of each guarded call. */
  timeoutMs: number;
  /** Share of the last `window` calls that must fail to open the breaker (at least 5 calls seen). */
  failureRatioToOpen?: number;
  /** How many recent calls the breaker judges by. */
  window?: number;
  /** How long an open breaker refuses calls before it lets one test call through. */
  halfOpenAfterMs?: number;
  /** Told of every failed or refused call (for metrics and logs). */
  onFailure?: (store: GuardedStore, operation: string, err: unknown) => void;
  /** Told how long every call took, failed or not (for metrics). */
  onSettled?: (store: GuardedStore, operation: string, seconds: number) => void;
}

/**
 * A deadline plus a circuit breaker per store (cockatiel's breaker), so a slow or dead store costs at
 * most one deadline until it recovers, not one per request. The deadline is one timer raced with the
 * call (`withinMs`): cockatiel's timeout policy made an AbortController and listeners per call, a
 * fifth of the guard's cost, for a signal no store call reads.
 */
export class StoreGuard {
  constructor(private readonly options: StoreGuardOptions) {}

  /** Runs `call` under the store's deadline and breaker; rejects if either trips. */
  async run<T>(
    store: GuardedStore,
    operation: string,
    call: () => Promise<T>,
    timeoutMs = this.options.timeoutMs,
  ): Promise<T> {
    const started = performance.now();
    try {
      return await this.breakerFor(store, timeoutMs).execute(
        () =>
          withinMs(inStoreSpan(store, operation, call), timeoutMs, () => new StoreTimeout(store, operation, timeoutMs)),
        this.parentSignal,
      );
    } catch (err) {
      this.options.onFailure?.(store, operation, err);
      throw err;
    } finally {
      this.options.onSettled?.(store, operation, (performance.now() - started) / 1000);
    }
  }

  /** Like `run`, but a failure yields `fallback` instead of an error. */
  async orElse<T>(
    store: GuardedStore,
    operation: string,
    call: () => Promise<T>,
    fallback: T,
    timeoutMs?: number,
  ): Promise<{ value: T; failed: boolean }> {
    try {
      return { value: await this.run(store, operation, call, timeoutMs), failed: false };
    } catch {
      return { value: fallback, failed: true };
    }
  }

  /**
   * Never aborted. Every concurrent call hangs a listener on the parent signal; cockatiel's default
   * parent is one shared signal on which Node warns past ten listeners, so the guard owns its own
   * with the warning turned off (a per-call signal would cost an allocation per call instead).
   */
  private readonly parentSignal = (() => {
    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    return signal;
  })();

  /**
   * The breakers are long-lived, one per store and deadline. A store that is merely slow fails the tight
   * Recommend-path reads (50 ms) while it still answers calls that can afford to wait (the feedback
   * path's 2 s): one shared breaker would let the fast path's timeouts refuse every feedback event. A
   * store that is down fails every deadline, and each breaker opens after its own few failures.
   */
  private readonly breakers = new Map<string, IPolicy>();
  private breakerFor(store: GuardedStore, timeoutMs: number): IPolicy {
    const key = `${store}/${timeoutMs}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleAll, {
        halfOpenAfter: this.options.halfOpenAfterMs ?? 2_000,
        // A share of recent calls, not a run of consecutive failures: on a CPU-starved machine a few
        // concurrent calls time out together, and that alone must not cut a healthy store off.
        breaker: new CountBreaker({
          threshold: this.options.failureRatioToOpen ?? 0.5,
          size: this.options.window ?? 20,
          minimumNumberOfCalls: 5,
        }),
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}
