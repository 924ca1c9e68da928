import type { EventLog } from "../state/ports";
import { ModelLogReader, type ModelTarget, type PageApplied } from "./model-log-reader";

/** Updates read per page while catching up. */
const PAGE = 5_000;

/**
 * Keeps the model in step with the event log, the one record every replica shares (DESIGN §4): it
 * applies, in log order, every model update after `position` that another writer logged, and skips
 * this process's own (the feedback flow and the sweeper applied those when they logged them). Since
 * the log gives model updates their positions in commit order (`EventLog.writerId`), a position, once
 * passed, never gains an update: the model holds exactly the updates up to `position` plus this
 * process's own after it. Replicas that have caught up to the same position therefore hold the same
 * statistics, whatever reached them over the model bus, which now only says "look now".
 */
export class LogFollower {
  private running: Promise<number> | null = null;
  private again = false;
  private soonTimer: NodeJS.Timeout | null = null;
  private readonly reader: ModelLogReader;
  /** Set while `exclusive` runs: no catch-up runs meanwhile. */
  private excluded: Promise<unknown> | null = null;

  constructor(
    model: ModelTarget,
    private readonly events: EventLog,
    /** Every update up to here is in the model (from the snapshot, the replay, or catching up). */
    private positionSeq: string,
    private readonly onApplied: (count: number) => void = () => undefined,
    /** Called after a page took back updates or named items to recount (a DeleteUser elsewhere). */
    private readonly onRemoved: (page: PageApplied) => void = () => undefined,
  ) {
    this.reader = new ModelLogReader(model);
  }

  /**
   * Runs `fn` with no catch-up in flight and none starting, so `position` stays put while it runs (a
   * DeleteUser decides with it which of the user's updates this model holds).
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.excluded) await this.excluded.catch(() => undefined);
    const run = (async () => {
      while (this.running) await this.running.catch(() => undefined);
      return fn();
    })();
    this.excluded = run;
    try {
      return await run;
    } finally {
      this.excluded = null;
    }
  }

  get position(): string {
    return this.positionSeq;
  }

  /**
   * Applies what other writers logged after `position`; returns how many updates it applied. Calls
   * that overlap share one run, plus one more after it, so nothing logged before a call is missed.
   */
  catchUp(): Promise<number> {
    if (this.excluded) return this.excluded.catch(() => undefined).then(() => this.catchUp());
    if (this.running) {
      this.again = true;
      return this.running.then(() => this.catchUp());
    }
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Catches up within `delayMs`, once however often it is asked meanwhile (a bus notice per batch). */
  soon(delayMs = 20): void {
    if (this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      void this.catchUp().catch(() => undefined);
    }, delayMs);
    this.soonTimer.unref();
  }

  stop(): void {
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.soonTimer = null;
  }

  private async run(): Promise<number> {
    let applied = 0;
    do {
      this.again = false;
      for (;;) {
        const page = await this.events.othersModelUpdatesSince(this.positionSeq, PAGE, this.events.writerId);
        const done = this.reader.apply(page.updates);
        applied += done.applied;
        if (done.removed > 0 || done.recountItems.length > 0) this.onRemoved(done);
        if (page.lastSeq !== null) this.positionSeq = page.lastSeq;
        if (page.scanned < PAGE) {
          this.reader.reachedEnd();
          break;
        }
      }
    } while (this.again);
    if (applied > 0) this.onApplied(applied);
    return applied;
  }
}
