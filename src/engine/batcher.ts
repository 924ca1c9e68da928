import { ResourceExhausted } from "../errors";

export interface BatcherOptions<T, R> {
  /** Writes one batch; returns one result per item, in order. */
  flush: (items: T[]) => Promise<R[]>;
  /** Items per flush at most. */
  maxBatch: number;
  /** How long the first item of a batch may wait for company while no flush can start at once. */
  maxDelayMs: number;
  /** Items waiting at most; beyond it `add` refuses with RESOURCE_EXHAUSTED instead of queueing. */
  maxQueued: number;
  /** Flushes running at once (default 1). With more than one, give `keyOf`. */
  maxInFlight?: number;
  /**
   * Items of one key are flushed in the order added and never by two flushes at once: an item whose key
   * is in a running flush waits for the next. Only items of different keys overlap (and may commit in
   * either order).
   */
  keyOf?: (item: T) => string;
}

interface Pending<T, R> {
  item: T;
  key: string;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: callers add items and wait; a flush takes everything that queued meanwhile (up to
 * `maxBatch`), so under load batches grow and round trips per item shrink. With `maxInFlight` > 1 the
 * next batch is written while the previous one is still in flight, keyed so that one key's items stay
 * in order. Each caller's promise settles with its own item's result once its batch is written (or with
 * the batch's error).
 */
export class Batcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private readonly running = new Set<Promise<void>>();
  /** Keys in running flushes, with how many items each holds there. */
  private readonly busyKeys = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private held = 0;
  private readonly maxInFlight: number;
  /** Sizes of the last batches written, for metrics. */
  onFlush: ((size: number, seconds: number) => void) | null = null;

  constructor(private readonly options: BatcherOptions<T, R>) {
    this.maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 1));
  }

  get queued(): number {
    return this.queue.length;
  }

  add(item: T): Promise<R> {
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new ResourceExhausted(`write queue is full (${this.options.maxQueued} waiting); retry with backoff`));
    }
    const key = this.options.keyOf?.(item) ?? "";
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, key, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Runs `fn` while no flush is in flight and none starts; items added meanwhile wait. Used to take a
   * model snapshot consistent with the log.
   */
  async hold<U>(fn: () => Promise<U>): Promise<U> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.held++;
    try {
      return await fn();
    } finally {
      this.held--;
      if (this.held === 0 && this.queue.length > 0) this.schedule();
    }
  }

  /** Writes everything queued now and waits for it. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.startFlushes();
      if (this.running.size === 0) return; // held (the holder's release schedules the rest), or only busy keys left
      await Promise.race(this.running);
    }
  }

  private schedule(): void {
    if (this.timer || this.running.size >= this.maxInFlight) return;
    if (this.running.size === 0 && (this.queue.length >= this.options.maxBatch || this.options.maxDelayMs <= 0)) {
      this.startFlushes();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.startFlushes();
    }, this.options.maxDelayMs);
  }

  /** Starts flushes while there is room and something flushable queued. */
  private startFlushes(): void {
    while (this.held === 0 && this.running.size < this.maxInFlight && this.startFlush());
  }

  /** Starts one flush of the queued items whose keys are free; false when there was none. */
  private startFlush(): boolean {
    const batch = this.take();
    if (batch.length === 0) return false;
    for (const p of batch) this.busyKeys.set(p.key, (this.busyKeys.get(p.key) ?? 0) + 1);
    const started = process.hrtime.bigint();
    const flushing: Promise<void> = this.options
      .flush(batch.map((p) => p.item))
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
          batch.forEach((p, i) => p.resolve(results[i] as R));
        },
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.onFlush?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
        this.running.delete(flushing);
        for (const p of batch) {
          const left = this.busyKeys.get(p.key)! - 1;
          if (left === 0) this.busyKeys.delete(p.key);
          else this.busyKeys.set(p.key, left);
        }
        // What queued during the flush goes out at once: it has already waited one round trip.
        if (this.queue.length > 0) this.startFlushes();
      });
    this.running.add(flushing);
    return true;
  }

  /** Takes up to maxBatch queued items, in order, skipping those whose key a running flush holds. */
  private take(): Pending<T, R>[] {
    const max = this.options.maxBatch;
    if (this.busyKeys.size === 0) return this.queue.splice(0, max);
    const batch: Pending<T, R>[] = [];
    const rest: Pending<T, R>[] = [];
    for (const p of this.queue) {
      if (batch.length < max && !this.busyKeys.has(p.key)) batch.push(p);
      else rest.push(p);
    }
    if (batch.length > 0) this.queue = rest;
    return batch;
  }
}
