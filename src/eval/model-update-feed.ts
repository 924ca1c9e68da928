import type { OnlineModel } from "../engine/model";
import type { EventLog, ModelUpdate } from "../state/ports";

/** Updates read from the log per page. */
const PAGE = 5_000;
/** Updates every reader passed are dropped once this many pile up, so a long log never sits in memory. */
const KEEP = 8_192;

/** The part of the event log a feed reads: the model updates in log order. */
export type ModelUpdateSource = Pick<EventLog, "modelUpdatesSince">;

/**
 * One surface's model updates (feedback and default rewards) in log order, read ahead as an evaluation
 * needs them, for readers that rebuild the service's model as it was when it served each impression:
 * `ensure(n)` (async) loads the first n updates, then each reader applies them (sync). Updates every
 * reader has passed are dropped.
 */
export class ModelUpdateFeed {
  private readonly updates: ModelUpdate[] = [];
  /** Log index of updates[0]. */
  private base = 0;
  private afterSeq = "0";
  private exhausted = false;
  private readonly readers: ModelUpdateReader[] = [];

  constructor(
    private readonly source: ModelUpdateSource,
    /** Whose updates: a surface's model version counts its own updates only. */
    private readonly surface = "default",
  ) {}

  /** Updates loaded so far (log indices 0 .. loaded). */
  get loaded(): number {
    return this.base + this.updates.length;
  }

  /** Loads updates until `count` are loaded or the log has no more. */
  async ensure(count: number): Promise<void> {
    while (!this.exhausted && this.loaded < count) {
      const page = await this.source.modelUpdatesSince(this.afterSeq, PAGE);
      // DeleteUser's rows (tombstones, removals, recounts) are not updates the serving model counted on
      // top of the others: a forgotten user's impressions are gone, and rows served while their updates
      // were in the model no longer match the log (the agreement check reports them).
      for (const update of page)
        if (update.effect === "add" && (update.surface ?? "default") === this.surface) this.updates.push(update);
      if (page.length > 0) this.afterSeq = page[page.length - 1]!.seq;
      if (page.length < PAGE) this.exhausted = true;
    }
  }

  /** A reader starting at the first update. */
  reader(): ModelUpdateReader {
    const reader = new ModelUpdateReader(this);
    this.readers.push(reader);
    return reader;
  }

  /** The update at log index `at`, if loaded and not dropped. */
  at(at: number): ModelUpdate | undefined {
    return this.updates[at - this.base];
  }

  /** Drops the updates every reader has passed, once enough of them pile up. */
  trim(): void {
    let passed = Number.POSITIVE_INFINITY;
    for (const reader of this.readers) passed = Math.min(passed, reader.position);
    if (passed - this.base < KEEP) return;
    this.updates.splice(0, passed - this.base);
    this.base = passed;
  }
}

/** One model's position in a feed. */
export class ModelUpdateReader {
  /** Updates applied so far. */
  position = 0;

  constructor(private readonly feed: ModelUpdateFeed) {}

  /**
   * Applies the updates up to log index `count` (exclusive) to the model, as far as they are loaded.
   * Returns whether the model now holds exactly `count` updates from the log: false when the log has
   * fewer (retention dropped the oldest, or the service started from a snapshot of another log) or the
   * model already holds more (the service applied updates in another order than the log's: replicas).
   */
  advance(model: Pick<OnlineModel, "apply">, count: number): boolean {
    while (this.position < count) {
      const update = this.feed.at(this.position);
      if (update === undefined) break;
      model.apply(update);
      this.position++;
    }
    this.feed.trim();
    return this.position === count;
  }
}
