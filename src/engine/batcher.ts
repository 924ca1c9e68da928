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
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: callers add items and wait; one flush at a time takes everything that queued meanwhile
 * (up to `maxBatch`), so under load batches grow, round trips per item shrink and items are written in
 * the order added. Each caller's promise settles with its own item's result once its batch is written
 * (or with the batch's error).
 */
export class Batcher<T, R> {
  private queue: Pending<T, R>[] = [];
  /** The flush in flight, if any. */
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private held = 0;
  /** Sizes of the last batches written, for metrics. */
  onFlush: ((size: number, seconds: number) => void) | null = null;

  constructor(private readonly options: BatcherOptions<T, R>) {}

  get queued(): number {
    return this.queue.length;
  }

  add(item: T): Promise<R> {
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new ResourceExhausted(`write queue is full (${this.options.maxQueued} waiting); retry with backoff`),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Runs `fn` while no flush is in flight and none starts; items added meanwhile wait. Used to take a
   * model snapshot consistent with the log.
   */
  async hold<U>(fn: () => Promise<U>): Promise<U> {
    while (this.running) await this.running;
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
    while (this.queue.length > 0 || this.running) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.startFlush();
      if (!this.running) return; // held: the holder's release schedules the rest
      await this.running;
    }
  }

  private schedule(): void {
    if (this.timer || this.running) return;
    if (this.queue.length >= this.options.maxBatch || this.options.maxDelayMs <= 0) {
      this.startFlush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.startFlush();
    }, this.options.maxDelayMs);
  }

  /** Starts a flush of up to maxBatch queued items, unless one is in flight, a hold is on or none queued. */
  private startFlush(): void {
    if (this.held > 0 || this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    const started = process.hrtime.bigint();
    const flushing: Promise<void> = this.options
      .flush(batch.map((p) => p.item))
      .then(
        (results) => {
          if (results.length !== batch.length)
            throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i] as R);
        },
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      )
      .catch((err: unknown) => {
        for (const p of batch) p.reject(err);
      })
      .finally(() => {
        this.onFlush?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
        this.running = null;
        // What queued during the flush goes out at once: it has already waited one round trip.
        this.startFlush();
      });
    this.running = flushing;
  }
}
