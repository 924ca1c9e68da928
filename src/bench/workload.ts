import { randomBytes } from "node:crypto";
import type { Random } from "../bandit/rng";
import type { RecsClient } from "../client/recs-client";
import type { FeedbackEvent } from "../server/generated/recs/v1/FeedbackEvent";
import type { LoopCall } from "./closed-loop";
import { pickRpc, type Mix } from "./options";

/** A recommendation the load generator may answer with feedback. */
interface Shown {
  recommendationId: string;
  userId: string;
  sessionId: string;
  itemIds: string[];
}

export interface WorkloadOptions {
  users: number;
  k: number;
  mix: Mix;
  /** Share of feedback events that answer a recent recommendation (the rest are organic). */
  answerShare: number;
  /**
   * Recommendations made while seeding for feedback to answer (default one per shopper, at most 200). Past the server's
   * cache of recent serving contexts (5,000), feedback mostly finds its context in Redis only, as clicks that
   * come long after the recommendation do.
   */
  recommendations?: number;
  rng: Random;
}

/** Recommendations kept for feedback to answer, at least. */
const RECENT = 1024;
/** Seeding's Recommend calls in flight at once. */
const SEED_CONCURRENCY = 16;
const FEEDBACK_TYPES = ["CLICK", "CLICK", "CLICK", "ADD_TO_CART", "PURCHASE", "DISMISS"] as const;
const DEVICES = ["mobile", "desktop", "tablet"];
const PAGES = ["home", "product", "cart"];

/**
 * Storefront-like traffic: shoppers ask for recommendations and mostly answer recent ones (so the
 * model trains), sometimes click organically. Ids carry a per-run tag so runs never collide.
 */
export class StorefrontWorkload {
  readonly runTag = randomBytes(4).toString("hex");
  private readonly recent: Shown[] = [];
  private recentNext = 0;
  private readonly recentCapacity: number;
  private events = 0;
  itemIds: string[] = [];

  /** Where the closed loop's workers send their calls: worker w uses connection w mod the count. */
  private readonly connections: readonly RecsClient[];

  constructor(
    private readonly client: RecsClient,
    private readonly options: WorkloadOptions,
    connections: readonly RecsClient[] = [client],
  ) {
    this.connections = connections.length > 0 ? connections : [client];
    this.recentCapacity = Math.max(RECENT, options.recommendations ?? 0);
  }

  userId(index: number): string {
    return `bench-u-${index}`;
  }

  sessionId(index: number): string {
    return `bench-s-${this.runTag}-${index}`;
  }

  /**
   * Discovers item ids through Recommend (no catalog access needed), then gives every user a session
   * and a long-term profile with a few organic clicks (one IngestFeedback stream).
   */
  async seed(): Promise<{ itemsDiscovered: number; recommendations: number; eventsAccepted: number }> {
    const { users, rng } = this.options;
    const seen = new Set<string>();
    const probes = Math.min(users, 200);
    const wanted = this.options.recommendations ?? probes;
    let made = 0;
    for (let i = 0; i < probes; i++) {
      const user = Math.floor(rng() * users);
      const res = await this.client.recommend({
        userId: this.userId(user),
        sessionId: this.sessionId(user),
        k: 100,
        context: { page: "home" },
      });
      for (const item of res.items) seen.add(item.itemId);
      if (made < wanted) {
        made++;
        this.remember({
          recommendationId: res.recommendationId,
          userId: this.userId(user),
          sessionId: this.sessionId(user),
          itemIds: res.items.slice(0, this.options.k).map((x) => x.itemId),
        });
      }
    }
    this.itemIds = [...seen];
    if (this.itemIds.length === 0)
      throw new Error(
        "the target recommended no items: load a catalog first (recs load-catalog FILE, or bench --catalog FILE)",
      );
    // The rest of the wanted recommendations, as the storefront asks for them (several at once).
    const more = async () => {
      while (made < wanted) {
        made++;
        await this.recommend(this.client);
      }
    };
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, more));
    const seeding = (function* (self: StorefrontWorkload) {
      for (let user = 0; user < users; user++) for (let n = 0; n < 3; n++) yield self.organicEvent(user);
    })(this);
    const summary = await this.client.ingestFeedback(seeding);
    return {
      itemsDiscovered: this.itemIds.length,
      recommendations: this.recent.length,
      eventsAccepted: Number(summary.accepted),
    };
  }

  /** The next call of the closed loop's worker `worker`, drawn from the mix. */
  next(worker = 0): LoopCall {
    const client = this.connections[worker % this.connections.length]!;
    const rpc = pickRpc(this.options.mix, this.options.rng());
    if (rpc === "recommend") return { rpc: "Recommend", run: () => this.recommend(client) };
    if (rpc === "feedback") return { rpc: "Feedback", run: () => client.feedback(this.feedbackEvent()) };
    const user = this.randomUser();
    return { rpc: "GetUserState", run: () => client.getUserState(this.userId(user), this.sessionId(user)) };
  }

  /** A feedback event: most answer a recent recommendation (training the model), the rest are organic. */
  feedbackEvent(): FeedbackEvent {
    const { rng } = this.options;
    if (this.recent.length > 0 && rng() < this.options.answerShare) {
      const shown = this.recent[Math.floor(rng() * this.recent.length)]!;
      // Shoppers act on the top slots more often.
      const position = Math.min(shown.itemIds.length - 1, Math.floor(shown.itemIds.length * rng() * rng()));
      return {
        eventId: this.nextEventId(),
        userId: shown.userId,
        sessionId: shown.sessionId,
        itemId: shown.itemIds[position],
        type: FEEDBACK_TYPES[Math.floor(rng() * FEEDBACK_TYPES.length)],
        recommendationId: shown.recommendationId,
      };
    }
    return this.organicEvent(this.randomUser());
  }

  organicEvent(user: number): FeedbackEvent {
    const item = this.itemIds[Math.floor(this.options.rng() * this.itemIds.length)];
    return {
      eventId: this.nextEventId(),
      userId: this.userId(user),
      sessionId: this.sessionId(user),
      itemId: item,
      type: "CLICK",
    };
  }

  private async recommend(client: RecsClient): Promise<void> {
    const { rng, k } = this.options;
    const user = this.randomUser();
    const context = {
      device: DEVICES[Math.floor(rng() * DEVICES.length)]!,
      page: PAGES[Math.floor(rng() * PAGES.length)]!,
    };
    const res = await client.recommend({ userId: this.userId(user), sessionId: this.sessionId(user), k, context });
    if (res.items.length > 0)
      this.remember({
        recommendationId: res.recommendationId,
        userId: this.userId(user),
        sessionId: this.sessionId(user),
        itemIds: res.items.map((x) => x.itemId),
      });
  }

  private remember(shown: Shown): void {
    if (shown.itemIds.length === 0) return;
    if (this.recent.length < this.recentCapacity) this.recent.push(shown);
    else this.recent[this.recentNext] = shown;
    this.recentNext = (this.recentNext + 1) % this.recentCapacity;
  }

  private randomUser(): number {
    return Math.floor(this.options.rng() * this.options.users);
  }

  private nextEventId(): string {
    return `bench-${this.runTag}-${++this.events}`;
  }
}
